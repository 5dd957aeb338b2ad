export type { EcsDocument, EncodeOptions } from './types';
export { encodeSpans } from './span-encoder';
export { encodeLogs, levelOf } from './log-encoder';
export { encodeMetrics } from './metric-encoder';
export { encoderFor, type SignalEncoder } from './encoder';
export { MAX_LABEL_LENGTH } from './fields';
export { isValidNamespace } from './resource';
export { sourceByteLength, writeSource } from './source-bytes';
