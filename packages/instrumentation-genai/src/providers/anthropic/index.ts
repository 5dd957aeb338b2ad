// Everything specific to `@anthropic-ai/sdk` (0.39 through 1.x). `messages.stream()`, `parse()`
// and the tool runner all call `messages.create`, so one wrapped method gives one span per call.
import type { ProviderPatch } from '../provider';
import { wrapCreate } from '../stainless';
import { messages } from './messages';

export { anthropicProvider } from './clients';

export const anthropic: ProviderPatch = {
  module: '@anthropic-ai/sdk',
  versions: ['>=0.39.0 <2'],
  methods: [
    {
      files: ['@anthropic-ai/sdk/resources/messages/messages'],
      exportName: 'Messages',
      method: 'create',
      wrap: wrapCreate(messages),
    },
  ],
};
