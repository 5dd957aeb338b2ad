/**
 * Token counts as the OpenTelemetry GenAI conventions total them: `inputTokens` INCLUDES cache
 * reads and cache writes; `outputTokens` INCLUDES reasoning tokens.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Part of inputTokens. */
  cacheReadTokens?: number;
  /** Part of inputTokens: every cache write (the 5-minute ones when a 1-hour split is given). */
  cacheWriteTokens?: number;
  /** Part of cacheWriteTokens when the provider reports a 1-hour split (Anthropic). */
  cacheWrite1hTokens?: number;
  /** Part of outputTokens. */
  reasoningTokens?: number;
  /** Part of inputTokens, when the provider reports it (audio models). */
  inputAudioTokens?: number;
  /** Part of outputTokens, when the provider reports it (audio models). */
  outputAudioTokens?: number;
}

export interface PriceQuery {
  /** `gen_ai.provider.name`: openai, anthropic, aws.bedrock, gcp.gemini, gcp.vertex_ai, … */
  provider: string;
  requestModel?: string;
  /** Matched first, then requestModel. */
  responseModel?: string;
  usage: Usage;
  /** Price at the call's time; default now. */
  timestamp?: Date;
}

export type Cost =
  | {
      priced: true;
      total: number;
      input: number;
      output: number;
      currency: 'USD';
      source: 'local' | 'override';
      pricingVersion: string;
      /** The model id that matched. */
      model: string;
      provider: string;
    }
  | { priced: false; pricingVersion: string; reason: string; code: UnpricedReason };

/**
 * Why a call has no price, as a short code for dashboards (`elkhound.cost.unpriced_reason`):
 * - `no_model`: neither a request nor a response model;
 * - `unknown_model`: no price for the model at the provider;
 * - `no_price_at_time`: the model's prices do not cover the call's time;
 * - `no_price_for_unit`: usage the model's prices cannot split (e.g. audio next to cache reads);
 * - `invalid_usage`: counts that contradict each other.
 */
export type UnpricedReason =
  'no_model' | 'unknown_model' | 'no_price_at_time' | 'no_price_for_unit' | 'invalid_usage';

export class PricingConfigError extends Error {
  override name = 'PricingConfigError';
}
