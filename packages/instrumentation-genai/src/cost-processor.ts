import { diag, type Attributes, type AttributeValue, type HrTime } from '@opentelemetry/api';
import type { PriceBook, PriceQuery, Usage } from '@elkhound/pricing';
import { DefaultPricing } from './default-pricing';
import { costAttributes } from './cost';
import { settlePendingEstimates } from './estimator';
import * as semconv from './semconv';
import { StatelessProcessor } from './stateless-processor';

/** What the processor reads of, and writes on, an SDK span that is ending (still writable). */
interface EndingSpan {
  readonly attributes: Readonly<Record<string, AttributeValue | undefined>>;
  readonly instrumentationScope?: { readonly name: string };
  readonly startTime: HrTime;
  setAttributes(attributes: Attributes): unknown;
}

export interface GenAICostSpanProcessorOptions {
  /** Prices to use; default the bundled prices with ELKHOUND_PRICING_FILE's overrides. */
  pricing?: PriceBook;
}

function count(value: AttributeValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Prices the model calls Elkhound does not instrument itself: a framework's own GenAI span over a
 * transport Elkhound does not see (the Vercel AI SDK's providers use `fetch`), with usage but no
 * `elkhound.cost.*`. It writes the same attributes Elkhound's spans carry, from the span's
 * `gen_ai.usage.*`, provider and models, when the span ends (`onEnding`, where an SDK span can
 * still be written: @opentelemetry/sdk-trace 2.1 and later). A span marked
 * `elkhound.usage.delegated` (its call is counted on Elkhound's span) is left alone: one call,
 * one cost. Register it before the exporting processors: its forceFlush and shutdown also end,
 * with the chars / 4 fallback, Elkhound's spans still waiting for a token count from the estimate
 * worker, so that the exporting processors' flush (called after it) includes them.
 */
export class GenAICostSpanProcessor extends StatelessProcessor {
  private readonly defaultPricing = new DefaultPricing();

  constructor(private readonly options: GenAICostSpanProcessorOptions = {}) {
    super();
  }

  override forceFlush(): Promise<void> {
    settlePendingEstimates();
    return super.forceFlush();
  }

  override shutdown(): Promise<void> {
    settlePendingEstimates();
    return super.shutdown();
  }

  onStart(): void {}

  onEnding(span: EndingSpan): void {
    try {
      // Elkhound's own spans are priced (or left unpriced) by the instrumentation itself.
      if (span.instrumentationScope?.name === semconv.ELKHOUND_INSTRUMENTATION_NAME) return;
      const attributes = span.attributes;
      const operation = attributes[semconv.ATTR_GEN_AI_OPERATION_NAME];
      if (typeof operation !== 'string' || !semconv.GEN_AI_MODEL_CALL_OPERATIONS.has(operation))
        return;
      if (
        attributes[semconv.ATTR_ELKHOUND_USAGE_DELEGATED] === true ||
        attributes[semconv.ATTR_ELKHOUND_COST_TOTAL] !== undefined ||
        attributes[semconv.ATTR_ELKHOUND_COST_UNPRICED] !== undefined
      )
        return;
      const inputTokens = count(attributes[semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS]);
      const outputTokens = count(attributes[semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]);
      if (inputTokens === undefined && outputTokens === undefined) return;
      const provider = attributes[semconv.ATTR_GEN_AI_PROVIDER_NAME] ?? attributes['gen_ai.system'];
      if (typeof provider !== 'string') return;
      const pricing = this.priceBook();
      if (!pricing) return;
      const usage: Usage = { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
      const cacheRead = count(attributes[semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]);
      if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
      const cacheWrite = count(
        attributes[semconv.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] ??
          attributes['gen_ai.usage.cache_creation.input_tokens'],
      );
      if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
      const reasoning = count(attributes[semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]);
      if (reasoning !== undefined) usage.reasoningTokens = reasoning;
      const query: PriceQuery = {
        provider,
        usage,
        timestamp: new Date(span.startTime[0] * 1000 + span.startTime[1] / 1e6),
      };
      const requestModel = attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL];
      const responseModel = attributes[semconv.ATTR_GEN_AI_RESPONSE_MODEL];
      if (typeof requestModel === 'string') query.requestModel = requestModel;
      if (typeof responseModel === 'string') query.responseModel = responseModel;
      span.setAttributes(costAttributes(pricing.price(query)));
    } catch (error) {
      diag.error('elkhound: could not price a framework GenAI span', error);
    }
  }

  onEnd(): void {}

  private priceBook(): PriceBook | undefined {
    return this.options.pricing ?? this.defaultPricing.get();
  }
}
