import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { PriceBook } from '@elkhound/pricing';

/** The public configuration of GenAIInstrumentation: the breaking-change surface. */
export interface GenAIInstrumentationConfig extends InstrumentationConfig {
  /** Hash prompts and completions (`elkhound.prompt.hash`, …). Default true; `ELKHOUND_PROMPT_HASH=off` turns it off. */
  promptHash?: boolean;
  /** Key for HMAC-SHA256 prompt hashes. Default `ELKHOUND_PROMPT_HASH_KEY`. */
  promptHashKey?: string;
  /** Prices; default the process's PriceBook (bundled data + `ELKHOUND_PRICING_FILE`). */
  pricing?: PriceBook;
  /** Extra host → `gen_ai.provider.name` entries for OpenAI-compatible endpoints. Also `ELKHOUND_PROVIDER_HOSTS=host=provider,…`. */
  providerHosts?: Record<string, string>;
}
