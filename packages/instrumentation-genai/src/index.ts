export { GenAIInstrumentation } from './instrumentation';
export type { GenAIInstrumentationConfig } from './types';
export { canonicalJson, PromptHasher } from './prompt-hash';
export { categorize, type ErrorCategory } from './errors';
export { OPENAI_COMPATIBLE_HOSTS } from './providers/openai';
