// Everything specific to `@aws-sdk/client-bedrock-runtime` (3.600 through 3.x): the client's
// `send(command)` — which the aggregated `BedrockRuntime` methods use too — for the Converse,
// ConverseStream, InvokeModel and InvokeModelWithResponseStream commands; every other command
// goes through untouched.
import { wrapAsync } from '../async-call';
import type { ProviderPatch } from '../provider';
import { bedrockSend } from './commands';

export { bedrockModel } from './models';

export const bedrock: ProviderPatch = {
  module: '@aws-sdk/client-bedrock-runtime',
  versions: ['>=3.600.0 <4'],
  methods: [
    {
      files: [
        '@aws-sdk/client-bedrock-runtime/dist-es/BedrockRuntimeClient',
        '@aws-sdk/client-bedrock-runtime/dist-cjs/index',
      ],
      exportName: 'BedrockRuntimeClient',
      method: 'send',
      wrap: wrapAsync(bedrockSend),
    },
  ],
};
