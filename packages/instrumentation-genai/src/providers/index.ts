// The SDKs GenAIInstrumentation patches: one entry (one file or folder) per SDK.
import { anthropic } from './anthropic/index';
import { bedrock } from './bedrock/index';
import { cohere } from './cohere/index';
import { google } from './google/index';
import { mistral } from './mistral/index';
import { openai } from './openai/index';
import type { ProviderPatch } from './provider';

export const PROVIDERS: readonly ProviderPatch[] = [
  openai,
  anthropic,
  google,
  mistral,
  cohere,
  bedrock,
];
