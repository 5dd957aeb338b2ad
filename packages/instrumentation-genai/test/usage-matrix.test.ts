// Every SDK, every way a call ends: a whole response, a stream read to the end, a stream left
// after its first event, an API error — each span ends with usage (and its source) and a cost,
// or with `elkhound.cost.unpriced` and a reason. (OpenAI's cases, with streams without usage, a
// provider error and a lost connection mid-stream: usage-estimate.test.ts and
// stream-usage.test.ts; every other test of the suite is checked by every-span-priced.test.ts.)
import assert from 'node:assert/strict';
import type { Attributes } from '@opentelemetry/api';
import { FakeAnthropic, FakeCohere, FakeGemini, FakeMistral } from '@elkhound/test-support';
import { loadOldest, loadVersions } from './support/sdks';
import { resetTelemetry, settledOnly } from './support/telemetry';

type AnthropicModule = typeof import('@anthropic-ai/sdk');
type GoogleModule = typeof import('@google/genai');
type CohereModule = typeof import('cohere-ai');
type MistralModule = typeof import('@mistralai/mistralai');

interface Server {
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** One SDK's calls: `marker` goes into the user message (the fake servers' fixture markers). */
interface Sdk {
  label: string;
  server: Server;
  connect(): void;
  whole(marker?: string): Promise<unknown>;
  stream(): Promise<AsyncIterable<unknown>>;
}

function sdks(): Sdk[] {
  const anthropic = loadVersions<AnthropicModule>('@anthropic-ai/sdk', 'anthropic-v0').at(-1)!;
  const google = loadVersions<GoogleModule>('@google/genai', 'google-genai-v1').at(-1)!;
  const cohere = loadVersions<CohereModule>('cohere-ai', 'cohere-ai-v7').at(-1)!;
  const mistral = loadOldest<MistralModule>('@mistralai/mistralai', 'mistralai-v1');
  const fakeAnthropic = new FakeAnthropic();
  const fakeGemini = new FakeGemini();
  const fakeCohere = new FakeCohere();
  const fakeMistral = new FakeMistral();
  let claude: InstanceType<AnthropicModule['default']>;
  let gemini: InstanceType<GoogleModule['GoogleGenAI']>;
  let command: InstanceType<CohereModule['CohereClientV2']>;
  let mistralClient: InstanceType<MistralModule['Mistral']>;
  const text = (marker?: string) =>
    `When will my order ship?${marker ? ` [fixture:${marker}]` : ''}`;
  return [
    {
      label: anthropic.label,
      server: fakeAnthropic,
      connect() {
        claude = new anthropic.module.default({
          apiKey: 'sk-ant-test',
          baseURL: fakeAnthropic.baseURL,
          maxRetries: 0,
        });
      },
      whole: (marker) =>
        claude.messages.create({
          model: 'claude-3-5-haiku-20241022',
          max_tokens: 64,
          messages: [{ role: 'user', content: text(marker) }],
        }),
      stream: () =>
        claude.messages.create({
          model: 'claude-3-5-haiku-20241022',
          max_tokens: 64,
          messages: [{ role: 'user', content: text() }],
          stream: true,
        }),
    },
    {
      label: google.label,
      server: fakeGemini,
      connect() {
        gemini = new google.module.GoogleGenAI({
          apiKey: 'test-key',
          httpOptions: { baseUrl: fakeGemini.origin },
        });
      },
      whole: (marker) =>
        gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: text(marker) }),
      stream: () =>
        gemini.models.generateContentStream({ model: 'gemini-2.5-flash', contents: text() }),
    },
    {
      label: `${cohere.label} (v2 client)`,
      server: fakeCohere,
      connect() {
        command = new cohere.module.CohereClientV2({
          token: 'test-key',
          environment: fakeCohere.origin,
        });
      },
      whole: (marker) =>
        command.chat({
          model: 'command-r-plus-08-2024',
          messages: [{ role: 'user', content: text(marker) }],
        }),
      stream: () =>
        command.chatStream({
          model: 'command-r-plus-08-2024',
          messages: [{ role: 'user', content: text() }],
        }),
    },
    {
      label: mistral.label,
      server: fakeMistral,
      connect() {
        mistralClient = new mistral.module.Mistral({
          apiKey: 'test-key',
          serverURL: fakeMistral.origin,
        });
      },
      whole: (marker) =>
        mistralClient.chat.complete({
          model: 'mistral-small-latest',
          messages: [{ role: 'user', content: text(marker) }],
        }),
      stream: () =>
        mistralClient.chat.stream({
          model: 'mistral-small-latest',
          messages: [{ role: 'user', content: text() }],
        }) as Promise<AsyncIterable<unknown>>,
    },
  ];
}

/** Usage with its source and a cost, or the unpriced flag with a reason; returns the source. */
function endsPricedOrUnpriced(a: Attributes): string | undefined {
  const source = a['elkhound.usage.source'] as string | undefined;
  if (a['elkhound.cost.unpriced'] === true) {
    assert.equal(typeof a['elkhound.cost.unpriced_reason'], 'string');
    assert.equal(a['elkhound.cost.total'], undefined);
  } else {
    assert.ok((a['elkhound.cost.total'] as number) > 0, 'a cost');
    assert.ok(source === 'provider' || source === 'estimated', `usage source ${source}`);
    assert.equal(typeof a['gen_ai.usage.input_tokens'], 'number');
  }
  return source;
}

for (const sdk of sdks()) {
  describe(`every call ends with a cost or an unpriced reason: ${sdk.label}`, () => {
    before(async () => {
      await sdk.server.start();
      sdk.connect();
    });
    after(() => sdk.server.stop());
    beforeEach(() => resetTelemetry());

    it('a whole response: the provider’s usage and its cost', async () => {
      await sdk.whole();
      const a = (await settledOnly()).attributes;
      assert.equal(endsPricedOrUnpriced(a), 'provider');
      assert.ok((a['elkhound.cost.total'] as number) > 0);
    });

    it('a stream read to the end: the provider’s usage and its cost', async () => {
      for await (const event of await sdk.stream()) void event;
      const a = (await settledOnly()).attributes;
      assert.equal(endsPricedOrUnpriced(a), 'provider');
    });

    it('a stream left after its first event: usage (provider’s so far, or estimated) and a cost', async () => {
      for await (const event of await sdk.stream()) {
        void event;
        break;
      }
      const a = (await settledOnly()).attributes;
      assert.ok(endsPricedOrUnpriced(a) !== undefined, 'usage');
      assert.ok((a['elkhound.cost.total'] as number) > 0);
    });

    it('an API error before any response: unpriced, no_usage', async () => {
      await assert.rejects(sdk.whole('rate_limit'));
      const a = (await settledOnly()).attributes;
      endsPricedOrUnpriced(a);
      assert.equal(a['elkhound.cost.unpriced_reason'], 'no_usage');
    });
  });
}
