import type { Attributes } from '@opentelemetry/api';
import type { Cost } from '@elkhound/pricing';
import * as semconv from './semconv';

/** The `elkhound.cost.*` attributes of a price: the cost, or `unpriced` (never a cost of 0). */
export function costAttributes(cost: Cost): Attributes {
  if (!cost.priced) {
    return {
      [semconv.ATTR_ELKHOUND_PRICING_VERSION]: cost.pricingVersion,
      [semconv.ATTR_ELKHOUND_COST_UNPRICED]: true,
    };
  }
  return {
    [semconv.ATTR_ELKHOUND_PRICING_VERSION]: cost.pricingVersion,
    [semconv.ATTR_ELKHOUND_COST_TOTAL]: cost.total,
    [semconv.ATTR_ELKHOUND_COST_INPUT]: cost.input,
    [semconv.ATTR_ELKHOUND_COST_OUTPUT]: cost.output,
    [semconv.ATTR_ELKHOUND_COST_CURRENCY]: cost.currency,
    [semconv.ATTR_ELKHOUND_COST_SOURCE]: cost.source,
  };
}
