import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { calcPrice } from '@pydantic/genai-prices';
import { FakeAnthropic } from '@elkhound/test-support';
import { anthropicProvider } from '../src/providers/anthropic/index';
import { loadVersions } from './support/sdks';
import {
  diagnostics,
  eventually,
  instrumentation,
  logs,
  resetTelemetry,
  spans,
  settledOnly,
} from './support/telemetry';

type AnthropicModule = typeof import('@anthropic-ai/sdk');
type Client = InstanceType<AnthropicModule['default']>;

const SDKS = loadVersions<AnthropicModule>('@anthropic-ai/sdk', 'anthropic-v0');
const MODEL = 'claude-sonnet-4-20250514';
const SYSTEM = 'You are the support assistant of an online shop.';
const MESSAGES = [{ role: 'user' as const, content: 'When will my order ship?' }];
const TOOLS = [
  {
    name: 'get_order_status',
    description: 'Look an order up by its id',
    input_schema: {
      type: 'object' as const,
      properties: { order_id: { type: 'string' } },
      required: ['order_id'],
    },
  },
];

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected an error'),
    (error: unknown) => error,
  );
}

for (const sdk of SDKS) {
  const Anthropic = sdk.module.default;

  describe(`anthropic: ${sdk.label}`, function () {
    const server = new FakeAnthropic();
    let client: Client;

    before(async () => {
      await server.start();
      client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.baseURL, maxRetries: 0 });
    });
    after(() => server.stop());
    beforeEach(() => resetTelemetry());

    it('messages.create: a CLIENT span with request and response attributes, cache-folded usage, cost and hashes', async () => {
      // Sampling parameters the API takes; the newest SDK's types no longer list some of them.
      const params = {
        model: MODEL,
        max_tokens: 1024,
        temperature: 0.2,
        top_k: 40,
        stop_sequences: ['END'],
        system: SYSTEM,
        messages: MESSAGES,
      } as Parameters<Client['messages']['create']>[0] & { stream?: false };
      const message = await client.messages.create(params);
      assert.equal(message.id, 'msg_01XFDUDYJgAACzvnptvVoYEL');
      const span = await settledOnly();
      const a = span.attributes;
      assert.equal(span.name, `chat ${MODEL}`);
      assert.equal(span.kind, SpanKind.CLIENT);
      assert.equal(a['gen_ai.operation.name'], 'chat');
      assert.equal(a['gen_ai.provider.name'], 'anthropic');
      assert.equal(a['gen_ai.request.model'], MODEL);
      assert.equal(a['gen_ai.request.max_tokens'], 1024);
      assert.equal(a['gen_ai.request.temperature'], 0.2);
      assert.equal(a['gen_ai.request.top_k'], 40);
      assert.deepEqual(a['gen_ai.request.stop_sequences'], ['END']);
      assert.equal(a['gen_ai.response.id'], 'msg_01XFDUDYJgAACzvnptvVoYEL');
      assert.equal(a['gen_ai.response.model'], MODEL);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
      // input_tokens (21) excludes the cache: the conventions' input count adds reads and writes.
      assert.equal(a['gen_ai.usage.input_tokens'], 21 + 2048 + 1500);
      assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 2048);
      assert.equal(a['gen_ai.usage.cache_write.input_tokens'], 1500);
      assert.equal(a['gen_ai.usage.output_tokens'], 118);
      assert.equal(a['server.address'], '127.0.0.1');
      assert.equal(a['server.port'], Number(new URL(server.baseURL).port));
      // The price the genai-prices data itself gives, with the 5-minute / 1-hour cache-write split.
      const direct = calcPrice(
        {
          input_tokens: 3569,
          cache_read_tokens: 2048,
          cache_write_tokens: 1500,
          cache_write_1h_tokens: 500,
          output_tokens: 118,
        },
        MODEL,
        { providerId: 'anthropic' },
      );
      assert.ok(direct, 'genai-prices knows the model');
      assert.ok(Math.abs((a['elkhound.cost.total'] as number) - direct.total_price) < 1e-12);
      assert.ok(Math.abs((a['elkhound.cost.input'] as number) - direct.input_price) < 1e-12);
      assert.match(String(a['elkhound.prompt.hash']), /^sha256:[0-9a-f]{64}$/);
      assert.match(String(a['elkhound.prompt.system_hash']), /^sha256:[0-9a-f]{64}$/);
      assert.match(String(a['elkhound.completion.hash']), /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual(diagnostics.errors, []);
    });

    it('stream: true — one span, usage from message_start and message_delta, time to first chunk', async () => {
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 256,
        system: SYSTEM,
        messages: MESSAGES,
        stream: true,
      });
      let text = '';
      for await (const event of stream)
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          text += event.delta.text;
      assert.equal(text, 'Your order ships within two business days.');
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.request.stream'], true);
      assert.equal(a['gen_ai.response.id'], 'msg_014p7gG3wDgGV9EUtLvnow3U');
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
      assert.equal(a['gen_ai.usage.input_tokens'], 25 + 2048);
      assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 2048);
      assert.equal(a['gen_ai.usage.output_tokens'], 15);
      assert.ok((a['gen_ai.response.time_to_first_chunk'] as number) > 0);
      assert.ok((a['elkhound.cost.total'] as number) > 0);
    });

    it('the same prompt has the same hash streamed or not', async () => {
      await client.messages.create({
        model: MODEL,
        max_tokens: 64,
        system: SYSTEM,
        messages: MESSAGES,
      });
      const plain = (await settledOnly()).attributes['elkhound.prompt.hash'];
      resetTelemetry();
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 64,
        system: SYSTEM,
        messages: MESSAGES,
        stream: true,
      });
      for await (const event of stream) void event;
      assert.equal((await settledOnly()).attributes['elkhound.prompt.hash'], plain);
    });

    it('messages.stream(): its events and finalMessage() work, and it is one span', async () => {
      const stream = client.messages.stream({
        model: MODEL,
        max_tokens: 256,
        system: SYSTEM,
        messages: MESSAGES,
      });
      let streamed = '';
      stream.on('text', (delta) => (streamed += delta));
      const message = await stream.finalMessage();
      assert.equal(streamed, 'Your order ships within two business days.');
      assert.equal(message.usage.output_tokens, 15);
      await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.usage.output_tokens'], 15);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
    });

    it('extended thinking: thinking streamed, its tokens counted in the output', async () => {
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        messages: MESSAGES,
        stream: true,
      });
      for await (const event of stream) void event;
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.usage.output_tokens'], 312);
      assert.equal(a['gen_ai.usage.input_tokens'], 86);
    });

    it('tool use: finish reason tool_use, the call kept in the captured content', async () => {
      instrumentation.setConfig({ captureMessageContent: true });
      try {
        const message = await client.messages.create({
          model: MODEL,
          max_tokens: 512,
          messages: MESSAGES,
          tools: TOOLS,
        });
        assert.equal(message.stop_reason, 'tool_use');
        const a = (await settledOnly()).attributes;
        assert.deepEqual(a['gen_ai.response.finish_reasons'], ['tool_use']);
        const output = JSON.parse(String(a['gen_ai.output.messages'])) as Array<{
          parts: Array<Record<string, unknown>>;
        }>;
        assert.deepEqual(output[0]?.parts[1], {
          type: 'tool_call',
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_order_status',
          arguments: { order_id: '1042' },
        });
        const tools = JSON.parse(String(a['gen_ai.tool.definitions'])) as Array<
          Record<string, unknown>
        >;
        assert.equal(tools[0]?.name, 'get_order_status');
        assert.equal(tools[0]?.type, 'function');
      } finally {
        instrumentation.setConfig({});
      }
    });

    for (const [marker, category, status] of [
      ['unauthorized', 'authentication', 401],
      ['forbidden', 'authentication', 403],
      ['rate_limit', 'rate_limit', 429],
      ['context_length', 'context_length', 400],
      ['invalid', 'invalid_request', 400],
      ['server_error', 'server_error', 500],
      ['overloaded', 'server_error', 529],
    ] as const) {
      it(`an API error ${status} (${marker}): the SDK's own error reaches the app, the span says ${category}`, async () => {
        const error = await rejection(
          client.messages.create({
            model: MODEL,
            max_tokens: 64,
            messages: [{ role: 'user', content: `hello [fixture:${marker}]` }],
          }),
        );
        assert.ok(error instanceof Anthropic.APIError, String(error));
        assert.equal((error as { status?: number }).status, status);
        const span = await settledOnly();
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.attributes['elkhound.error.category'], category);
        assert.equal(span.attributes['error.type'], (error as Error).constructor.name);
        assert.ok(logs.getFinishedLogRecords().some((record) => record.eventName === 'exception'));
      });
    }

    it('an error event mid-stream fails the span with what was streamed so far', async () => {
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hello [fixture:stream_error]' }],
        stream: true,
      });
      const error = await rejection(
        (async () => {
          for await (const event of stream) void event;
        })(),
      );
      assert.ok(error instanceof Error);
      const span = await settledOnly();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['elkhound.error.category'], 'server_error');
      assert.equal(span.attributes['gen_ai.response.id'], 'msg_01StreamErr');
    });

    it('an early break and an abort end the span exactly once', async () => {
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 64,
        messages: MESSAGES,
        stream: true,
      });
      for await (const event of stream) if (event.type === 'content_block_delta') break;
      assert.equal(
        (await settledOnly()).attributes['gen_ai.response.id'],
        'msg_014p7gG3wDgGV9EUtLvnow3U',
      );
      resetTelemetry();
      const controller = new AbortController();
      const slow = await client.messages.create(
        {
          model: MODEL,
          max_tokens: 64,
          messages: [{ role: 'user', content: '[fixture:slow_stream]' }],
          stream: true,
        },
        { signal: controller.signal },
      );
      const reading = (async () => {
        for await (const event of slow) if (event.type === 'message_start') controller.abort();
      })();
      await reading.catch(() => undefined);
      await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
      assert.equal((await settledOnly()).attributes['elkhound.error.category'], 'cancelled');
    });
  });
}

describe('anthropic: the provider of Bedrock and Vertex clients of the same SDK', () => {
  it('maps AnthropicBedrock and AnthropicVertex (or their hosts) to aws.bedrock and gcp.vertex_ai', () => {
    assert.equal(anthropicProvider('Anthropic', 'api.anthropic.com'), 'anthropic');
    assert.equal(
      anthropicProvider('AnthropicBedrock', 'bedrock-runtime.us-east-1.amazonaws.com'),
      'aws.bedrock',
    );
    assert.equal(
      anthropicProvider(undefined, 'bedrock-runtime.eu-west-1.amazonaws.com'),
      'aws.bedrock',
    );
    assert.equal(
      anthropicProvider('AnthropicVertex', 'us-east5-aiplatform.googleapis.com'),
      'gcp.vertex_ai',
    );
    assert.equal(
      anthropicProvider(undefined, 'europe-west1-aiplatform.googleapis.com'),
      'gcp.vertex_ai',
    );
    assert.equal(anthropicProvider('Anthropic', 'gateway.internal'), 'anthropic');
  });
});
