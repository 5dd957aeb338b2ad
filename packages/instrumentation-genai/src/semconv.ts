// Names of the OpenTelemetry GenAI semantic conventions (semantic-conventions-genai) used here,
// kept locally as the contrib instrumentations do: the conventions are still moving.
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const;
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens' as const;
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature' as const;
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p' as const;
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k' as const;
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty' as const;
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty' as const;
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences' as const;
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed' as const;
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count' as const;
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream' as const;
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats' as const;
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count' as const;
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type' as const;
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id' as const;
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const;
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons' as const;
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK =
  'gen_ai.response.time_to_first_chunk' as const;
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const;
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.usage.cache_read.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS =
  'gen_ai.usage.cache_write.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS =
  'gen_ai.usage.reasoning.output_tokens' as const;
export const ATTR_SERVER_ADDRESS = 'server.address' as const;
export const ATTR_SERVER_PORT = 'server.port' as const;
export const ATTR_ERROR_TYPE = 'error.type' as const;

export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages' as const;
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages' as const;
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions' as const;
export const ATTR_GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions' as const;
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type' as const;
export const ATTR_EXCEPTION_TYPE = 'exception.type' as const;
export const ATTR_EXCEPTION_MESSAGE = 'exception.message' as const;
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace' as const;

export const GEN_AI_OPERATION_CHAT = 'chat' as const;
export const GEN_AI_OPERATION_EMBEDDINGS = 'embeddings' as const;

/**
 * Operations whose span is one model call (docs/double-counting.md): agents, steps and tools sum
 * or orchestrate model calls and never carry a call's usage or cost of their own.
 */
export const GEN_AI_MODEL_CALL_OPERATIONS: ReadonlySet<string> = new Set([
  GEN_AI_OPERATION_CHAT,
  'text_completion',
  'generate_content',
  GEN_AI_OPERATION_EMBEDDINGS,
  'rerank',
]);

/** The instrumentation scope of Elkhound's own spans, metrics and log records. */
export const ELKHOUND_INSTRUMENTATION_NAME = '@elkhound/instrumentation-genai' as const;
export const GEN_AI_TOKEN_TYPE_INPUT = 'input' as const;
export const GEN_AI_TOKEN_TYPE_OUTPUT = 'output' as const;
export const GEN_AI_OUTPUT_TYPE_TEXT = 'text' as const;
export const GEN_AI_OUTPUT_TYPE_JSON = 'json' as const;

// Metrics, with the bucket advice of the conventions.
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.operation.time_to_first_chunk' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK =
  'gen_ai.client.operation.time_per_output_chunk' as const;
export const BUCKETS_TOKEN_USAGE = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
export const BUCKETS_DURATION_SECONDS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
export const BUCKETS_TIME_PER_OUTPUT_CHUNK_SECONDS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
];

// Events (log records).
export const EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS =
  'gen_ai.client.inference.operation.details' as const;
export const EVENT_EXCEPTION = 'exception' as const;

// Elkhound's own attributes (no convention exists yet).
export const ATTR_ELKHOUND_COST_TOTAL = 'elkhound.cost.total' as const;
export const ATTR_ELKHOUND_COST_INPUT = 'elkhound.cost.input' as const;
export const ATTR_ELKHOUND_COST_OUTPUT = 'elkhound.cost.output' as const;
export const ATTR_ELKHOUND_COST_CURRENCY = 'elkhound.cost.currency' as const;
export const ATTR_ELKHOUND_COST_SOURCE = 'elkhound.cost.source' as const;
export const ATTR_ELKHOUND_COST_UNPRICED = 'elkhound.cost.unpriced' as const;
/** Why a call has no cost: no_usage, unknown_model, no_price_for_unit, invalid_usage, … */
export const ATTR_ELKHOUND_COST_UNPRICED_REASON = 'elkhound.cost.unpriced_reason' as const;
/** `provider` (the provider's own counts) or `estimated` (counted by Elkhound from the texts). */
export const ATTR_ELKHOUND_USAGE_SOURCE = 'elkhound.usage.source' as const;
export const ATTR_ELKHOUND_PRICING_VERSION = 'elkhound.pricing.version' as const;
export const ATTR_ELKHOUND_PROMPT_HASH = 'elkhound.prompt.hash' as const;
export const ATTR_ELKHOUND_PROMPT_SYSTEM_HASH = 'elkhound.prompt.system_hash' as const;
export const ATTR_ELKHOUND_COMPLETION_HASH = 'elkhound.completion.hash' as const;
export const ATTR_ELKHOUND_ERROR_CATEGORY = 'elkhound.error.category' as const;
export const ATTR_ELKHOUND_USAGE_DELEGATED = 'elkhound.usage.delegated' as const;
/** A stream the app left unread ended by the idle timeout or garbage collection. */
export const ATTR_ELKHOUND_STREAM_ABANDONED = 'elkhound.stream.abandoned' as const;
/**
 * The span id (16 hex) of the local root of the trace: the entry span (transaction) a span or a
 * log record belongs to. The ECS mapping turns it into `transaction.id`.
 */
export const ATTR_ELKHOUND_TRANSACTION_ID = 'elkhound.transaction.id' as const;
/** Elkhound's cost instrument: a histogram of USD per call (its sum is the spend). */
export const METRIC_ELKHOUND_CLIENT_COST = 'elkhound.gen_ai.client.cost' as const;
export const BUCKETS_COST_USD = [
  0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
];
