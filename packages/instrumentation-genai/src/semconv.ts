// Names of the OpenTelemetry GenAI semantic conventions (semantic-conventions-genai) used here,
// kept locally as the contrib instrumentations do: the conventions are still moving.
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const;
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens' as const;
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature' as const;
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p' as const;
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty' as const;
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty' as const;
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences' as const;
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed' as const;
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count' as const;
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream' as const;
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats' as const;
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

export const GEN_AI_OPERATION_CHAT = 'chat' as const;
export const GEN_AI_OPERATION_EMBEDDINGS = 'embeddings' as const;

// Elkhound's own attributes (no convention exists yet).
export const ATTR_ELKHOUND_COST_TOTAL = 'elkhound.cost.total' as const;
export const ATTR_ELKHOUND_COST_INPUT = 'elkhound.cost.input' as const;
export const ATTR_ELKHOUND_COST_OUTPUT = 'elkhound.cost.output' as const;
export const ATTR_ELKHOUND_COST_CURRENCY = 'elkhound.cost.currency' as const;
export const ATTR_ELKHOUND_COST_SOURCE = 'elkhound.cost.source' as const;
export const ATTR_ELKHOUND_COST_UNPRICED = 'elkhound.cost.unpriced' as const;
export const ATTR_ELKHOUND_PRICING_VERSION = 'elkhound.pricing.version' as const;
export const ATTR_ELKHOUND_PROMPT_HASH = 'elkhound.prompt.hash' as const;
export const ATTR_ELKHOUND_PROMPT_SYSTEM_HASH = 'elkhound.prompt.system_hash' as const;
export const ATTR_ELKHOUND_COMPLETION_HASH = 'elkhound.completion.hash' as const;
export const ATTR_ELKHOUND_ERROR_CATEGORY = 'elkhound.error.category' as const;
