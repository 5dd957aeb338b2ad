import type { Attributes } from '@opentelemetry/api';
import type { Cost } from '@elkhound/pricing';
import * as semconv from './semconv';

/**
 * The `elkhound.cost.*` attributes of a price: the cost, or `unpriced` with its reason (never a
 * cost of 0). A cost of estimated tokens has `elkhound.cost.source=estimated`.
 */
export function costAttributes(cost: Cost, estimated = false): Attributes {
  const attributes: Attributes = {};
  addCostAttributes(attributes, cost, estimated);
  return attributes;
}

/** The cost attributes added to `attributes` (the span's one object of response attributes). */
export function addCostAttributes(attributes: Attributes, cost: Cost, estimated = false): void {
  attributes[semconv.ATTR_ELKHOUND_PRICING_VERSION] = cost.pricingVersion;
  if (!cost.priced) {
    attributes[semconv.ATTR_ELKHOUND_COST_UNPRICED] = true;
    attributes[semconv.ATTR_ELKHOUND_COST_UNPRICED_REASON] = cost.code;
    return;
  }
  attributes[semconv.ATTR_ELKHOUND_COST_TOTAL] = cost.total;
  attributes[semconv.ATTR_ELKHOUND_COST_INPUT] = cost.input;
  attributes[semconv.ATTR_ELKHOUND_COST_OUTPUT] = cost.output;
  attributes[semconv.ATTR_ELKHOUND_COST_CURRENCY] = cost.currency;
  attributes[semconv.ATTR_ELKHOUND_COST_SOURCE] = estimated ? 'estimated' : cost.source;
}

/**
 * Why a call has no cost when the price book was not asked: `no_usage` (neither the provider's
 * counts nor an estimate, e.g. a request that failed before any response), `no_price_for_unit`
 * (billed in other units than tokens: a rerank's search units), `pricing_unavailable` (the price
 * data could not be loaded), `pricing_error`.
 */
export function unpricedAttributes(
  reason: 'no_usage' | 'no_price_for_unit' | 'pricing_unavailable' | 'pricing_error',
): Attributes {
  return {
    [semconv.ATTR_ELKHOUND_COST_UNPRICED]: true,
    [semconv.ATTR_ELKHOUND_COST_UNPRICED_REASON]: reason,
  };
}
