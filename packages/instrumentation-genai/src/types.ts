import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { PriceBook } from '@elkhound/pricing';

/** Where captured message content goes. */
export type ContentDestination = 'span' | 'event' | 'both';

/** What a redaction hook is told about the text it receives. */
export interface RedactionContext {
  /** `input` (prompt messages), `output` (completions), `system` (instructions), `tool` (tool definitions). */
  kind: 'input' | 'output' | 'system' | 'tool';
  /** The message role, when the text belongs to a message. */
  role?: string;
  /** `gen_ai.provider.name` of the call. */
  provider: string;
}

/**
 * A user redaction hook: gets every text part after the built-in redaction and returns what may
 * be recorded. If it throws, the part is recorded as `[redaction failed]` (never unredacted).
 */
export type RedactionHook = (text: string, context: RedactionContext) => string;

/** The public configuration of GenAIInstrumentation: the breaking-change surface. */
export interface GenAIInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record prompts and completions. Default false; `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`
   * (`true`, `false`, `span_only`, `event_only`, `span_and_event`, `no_content`) feeds the default.
   */
  captureMessageContent?: boolean;
  /**
   * Where captured content goes: span attributes (`gen_ai.input.messages`, …), the
   * `gen_ai.client.inference.operation.details` log event, or both. Default `span`.
   */
  contentDestination?: ContentDestination;
  /**
   * Built-in redaction of e-mail addresses, phone and card numbers, API keys and bearer tokens in
   * captured content. Default true.
   */
  redactBuiltIn?: boolean;
  /** A hook applied to every captured text part after the built-in redaction. */
  redact?: RedactionHook;
  /** Longest captured text part, in characters; longer parts are cut and marked. Default 16384. */
  maxContentLength?: number;
  /** Hash prompts and completions (`elkhound.prompt.hash`, …). Default true; `ELKHOUND_PROMPT_HASH=off` turns it off. */
  promptHash?: boolean;
  /** Key for HMAC-SHA256 prompt hashes. Default `ELKHOUND_PROMPT_HASH_KEY`. */
  promptHashKey?: string;
  /** Prices; default the process's PriceBook (bundled data + `ELKHOUND_PRICING_FILE`). */
  pricing?: PriceBook;
  /** Extra host → `gen_ai.provider.name` entries for OpenAI-compatible endpoints. Also `ELKHOUND_PROVIDER_HOSTS=host=provider,…`. */
  providerHosts?: Record<string, string>;
  /**
   * A stream the app stops reading without closing it (never iterated, or left in the middle) ends
   * its span after this long without activity. Default 300000 (5 minutes); 0 turns the timer off
   * (garbage collection still ends it).
   */
  streamIdleTimeoutMs?: number;
  /**
   * Ask OpenAI chat streams for their usage (`stream_options.include_usage`) when the app did not,
   * on servers known to accept it, and hide the extra usage chunk from the app. Default true;
   * `ELKHOUND_OPENAI_STREAM_USAGE=off` turns it off.
   */
  openaiStreamUsage?: boolean;
  /**
   * Estimate the tokens of a call whose provider reported none (from the request and the
   * streamed text), marked `elkhound.usage.source=estimated`. Default true;
   * `ELKHOUND_USAGE_ESTIMATE=off` turns it off.
   */
  estimateUsage?: boolean;
  /**
   * How long a span waits for the estimate worker's token count (once the worker has loaded its
   * encodings) before it ends with the chars / 4 fallback. Default 100 ms;
   * `ELKHOUND_USAGE_ESTIMATE_TIMEOUT_MS`.
   */
  estimateTimeoutMs?: number;
}
