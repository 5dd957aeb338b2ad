export type { EcsDocument, EncodeOptions } from './types';
