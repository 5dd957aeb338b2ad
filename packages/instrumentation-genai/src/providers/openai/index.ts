// Everything specific to the `openai` SDK (v4 through v7). v4 before 4.55 kept chat completions
// in `resources/chat/completions`, later versions in `resources/chat/completions/completions`.
import type { ProviderPatch } from '../provider';
import { wrapCreate } from '../stainless';
import { chatCompletions } from './chat';
import { embeddings } from './embeddings';
import { responses } from './responses';

export { OPENAI_COMPATIBLE_HOSTS, providerFromHost } from './hosts';

export const openai: ProviderPatch = {
  module: 'openai',
  versions: ['>=4.0.0 <8'],
  methods: [
    {
      files: ['openai/resources/chat/completions/completions', 'openai/resources/chat/completions'],
      exportName: 'Completions',
      method: 'create',
      wrap: wrapCreate(chatCompletions),
    },
    {
      files: ['openai/resources/responses/responses'],
      exportName: 'Responses',
      method: 'create',
      wrap: wrapCreate(responses),
    },
    {
      files: ['openai/resources/embeddings'],
      exportName: 'Embeddings',
      method: 'create',
      wrap: wrapCreate(embeddings),
    },
  ],
};
