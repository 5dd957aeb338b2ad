export { GenAIInstrumentation } from './instrumentation';
export type {
  ContentDestination,
  GenAIInstrumentationConfig,
  RedactionContext,
  RedactionHook,
} from './types';
export { canonicalJson, PromptHasher } from './prompt-hash';
export { categorize, type ErrorCategory } from './errors';
export { redactBuiltIn } from './redaction';
export {
  resolveConfig,
  DEFAULT_MAX_CONTENT_LENGTH,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
} from './config';
export { OPENAI_COMPATIBLE_HOSTS } from './providers/openai/index';
export { TransactionLogRecordProcessor, TransactionSpanProcessor } from './transaction';
export { ATTR_ELKHOUND_TRANSACTION_ID } from './semconv';
export { GenAICostSpanProcessor, type GenAICostSpanProcessorOptions } from './cost-processor';
