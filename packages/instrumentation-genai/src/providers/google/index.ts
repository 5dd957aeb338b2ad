// Everything specific to `@google/genai` (1.x through 3.x). Its `Models` methods are arrow
// functions made per instance, but every model call goes through prototype methods —
// `generateContentInternal`, `generateContentStreamInternal`, and `embedContentInternal` (3.x) or
// `embedContent` (1.x) — which chats and automatic function calling reuse: wrapping those gives
// one span per request to the model. The package is one bundled file per platform; 1.x ships
// ESM only, 3.x CommonJS as well.
import type { ProviderPatch } from '../provider';
import { wrapAsync } from '../async-call';
import { embedContent, generateContent, generateContentStream } from './generate';

const FILES = ['@google/genai/dist/node/index', '@google/genai/dist/index'];

export const google: ProviderPatch = {
  module: '@google/genai',
  versions: ['>=1.0.0 <4'],
  methods: [
    {
      files: FILES,
      exportName: 'Models',
      method: 'generateContentInternal',
      wrap: wrapAsync(generateContent),
    },
    {
      files: FILES,
      exportName: 'Models',
      method: 'generateContentStreamInternal',
      wrap: wrapAsync(generateContentStream),
    },
    {
      files: FILES,
      exportName: 'Models',
      method: 'embedContentInternal',
      wrap: wrapAsync(embedContent),
    },
    { files: FILES, exportName: 'Models', method: 'embedContent', wrap: wrapAsync(embedContent) },
  ],
};
