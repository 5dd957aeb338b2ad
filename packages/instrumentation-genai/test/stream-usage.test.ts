// Elkhound asks OpenAI chat streams for their usage when the app did not, and hides the answer:
// for every way the app can consume a stream, what it receives with the instrumentation is
// compared chunk by chunk with what it receives without it, on the real SDK (oldest and newest
// supported) and the local OpenAI-shaped server.
import assert from 'node:assert/strict';
import { FakeOpenAI } from '@elkhound/test-support';
import { instrumentation, resetTelemetry, settledOnly, settledSpans } from './support/telemetry';
import { loadSdks, type OpenAIModule } from './support/sdks';

type Client = InstanceType<OpenAIModule['default']>;

const PROMPT = [{ role: 'user' as const, content: 'Summarise my order' }];

/** Every request goes to the local server, whatever host the client was given. */
function redirectTo(server: FakeOpenAI): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const local = new URL(server.baseURL);
    url.protocol = local.protocol;
    url.host = local.host;
    return fetch(url, init);
  };
}

function streamHelper(client: Client): Client['chat']['completions']['stream'] {
  const completions = (
    typeof client.chat.completions.stream === 'function'
      ? client.chat.completions
      : (client as unknown as { beta: { chat: { completions: Client['chat']['completions'] } } })
          .beta.chat.completions
  ) as Client['chat']['completions'];
  return completions.stream.bind(completions);
}

type Body = Parameters<Client['chat']['completions']['create']>[0];

/** One way of consuming a stream: returns what the app saw, as JSON texts in order. */
type Consumer = (client: Client, body: Body) => Promise<string[]>;

const CONSUMERS: Record<string, Consumer> = {
  async 'for await'(client, body) {
    const seen: string[] = [];
    const stream = await client.chat.completions.create({ ...body, stream: true });
    for await (const chunk of stream) seen.push(JSON.stringify(chunk));
    return seen;
  },
  async 'tee() (both branches)'(client, body) {
    const stream = await client.chat.completions.create({ ...body, stream: true });
    const [left, right] = stream.tee();
    const seen: string[] = [];
    for await (const chunk of left) seen.push(`left ${JSON.stringify(chunk)}`);
    for await (const chunk of right) seen.push(`right ${JSON.stringify(chunk)}`);
    return seen;
  },
  async 'toReadableStream()'(client, body) {
    const stream = await client.chat.completions.create({ ...body, stream: true });
    const reader = stream.toReadableStream().getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value as Uint8Array, { stream: true });
    }
    return text.split('\n').filter((line) => line.length > 0);
  },
  async '.withResponse()'(client, body) {
    const { data } = await client.chat.completions.create({ ...body, stream: true }).withResponse();
    const seen: string[] = [];
    for await (const chunk of data) seen.push(JSON.stringify(chunk));
    return seen;
  },
  async 'the stream() helper: chunk and content events, final completion'(client, body) {
    const seen: string[] = [];
    const runner = streamHelper(client)(body as Parameters<ReturnType<typeof streamHelper>>[0]);
    runner.on('chunk', (chunk: unknown) => seen.push(`chunk ${JSON.stringify(chunk)}`));
    runner.on('content', (delta: string) => seen.push(`content ${delta}`));
    const final = await runner.finalChatCompletion();
    seen.push(`final ${JSON.stringify(final)}`);
    return seen;
  },
};

for (const sdk of loadSdks()) {
  const OpenAI = sdk.module.default;

  describe(`OpenAI stream usage asked by Elkhound, over the real ${sdk.label}`, () => {
    const server = new FakeOpenAI();
    let client: Client;

    before(async () => {
      await server.start();
      client = new OpenAI({
        apiKey: 'sk-test',
        baseURL: 'https://api.openai.com/v1',
        fetch: redirectTo(server),
        maxRetries: 0,
      });
    });
    after(() => server.stop());
    beforeEach(() => {
      instrumentation.setConfig({});
      resetTelemetry();
      server.requests.length = 0;
    });
    afterEach(() => instrumentation.enable());

    async function without(consume: Consumer, body: Body): Promise<string[]> {
      instrumentation.disable();
      try {
        return await consume(client, body);
      } finally {
        instrumentation.enable();
      }
    }

    for (const [style, consume] of Object.entries(CONSUMERS)) {
      it(`${style}: the app sees the same chunks as without Elkhound, the span has the provider's usage`, async () => {
        const body = { model: 'gpt-4o-mini', messages: PROMPT } as Body;
        const expected = await without(consume, body);
        assert.equal(server.requests.at(-1)?.body.stream_options, undefined);
        resetTelemetry();
        const seen = await consume(client, body);
        assert.deepEqual(
          (server.requests.at(-1)?.body.stream_options as { include_usage?: boolean })
            ?.include_usage,
          true,
          'Elkhound asked for the usage',
        );
        assert.ok(expected.length > 0);
        assert.deepEqual(seen, expected);
        assert.ok(!seen.some((line) => line.includes('"usage"')), 'no usage reaches the app');
        const a = (await settledOnly()).attributes;
        assert.equal(a['gen_ai.usage.input_tokens'], 1240);
        assert.equal(a['gen_ai.usage.output_tokens'], 96);
        assert.equal(a['elkhound.usage.source'], 'provider');
        assert.ok((a['elkhound.cost.total'] as number) > 0);
      });
    }

    it('an app that asked for usage sees its usage chunk (and usage: null) as always', async () => {
      const body = {
        model: 'gpt-4o-mini',
        messages: PROMPT,
        stream_options: { include_usage: true },
      } as Body;
      const expected = await without(CONSUMERS['for await']!, body);
      resetTelemetry();
      const seen = await CONSUMERS['for await']!(client, body);
      assert.deepEqual(seen, expected);
      assert.equal(seen.length, 7);
      assert.match(seen.at(-1)!, /"choices":\[\],"usage":\{"prompt_tokens":1240/);
      assert.equal((await settledOnly()).attributes['gen_ai.usage.input_tokens'], 1240);
    });

    it("the app's request body is never changed", async () => {
      const body = { model: 'gpt-4o-mini', messages: PROMPT, stream: true as const };
      const stream = await client.chat.completions.create(body);
      for await (const chunk of stream) void chunk;
      assert.deepEqual(Object.keys(body), ['model', 'messages', 'stream']);
    });

    it('ELKHOUND_OPENAI_STREAM_USAGE=off (openaiStreamUsage: false) sends the request as the app wrote it', async () => {
      instrumentation.setConfig({ openaiStreamUsage: false });
      const seen = await CONSUMERS['for await']!(client, {
        model: 'gpt-4o-mini',
        messages: PROMPT,
      } as Body);
      assert.equal(seen.length, 6);
      assert.equal(server.requests.at(-1)?.body.stream_options, undefined);
      assert.notEqual((await settledOnly()).attributes['elkhound.usage.source'], 'provider');
    });

    it('Azure OpenAI: sent from API version 2024-10-21, never to older versions (which answer 400)', async () => {
      for (const [apiVersion, sent] of [
        ['2024-02-01', false],
        ['2024-06-01', false],
        ['2024-10-21', true],
        ['2025-04-01-preview', true],
      ] as const) {
        resetTelemetry();
        const azure = new sdk.module.AzureOpenAI({
          apiKey: 'azure-key',
          endpoint: 'https://contoso-eu.openai.azure.com',
          apiVersion,
          deployment: 'gpt-4o-mini',
          maxRetries: 0,
          fetch: redirectTo(server),
        });
        const stream = await azure.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          stream: true,
        });
        const seen: string[] = [];
        for await (const chunk of stream) seen.push(JSON.stringify(chunk));
        assert.equal(seen.length, 6, apiVersion);
        assert.equal(server.requests.at(-1)?.body.stream_options !== undefined, sent, apiVersion);
        assert.equal(
          (await settledOnly()).attributes['elkhound.usage.source'],
          sent ? 'provider' : 'estimated',
          apiVersion,
        );
      }
    });

    it('a server not known to accept stream_options is not sent it', async () => {
      const local = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
      const stream = await local.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: PROMPT,
        stream: true,
      });
      for await (const chunk of stream) void chunk;
      assert.equal(server.requests.at(-1)?.body.stream_options, undefined);
      assert.equal((await settledSpans()).length, 1);
    });
  });
}
