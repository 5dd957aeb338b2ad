import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { FakeOpenAI } from '@elkhound/test-support';
import { PriceBook } from '@elkhound/pricing';
import {
  collectMetrics,
  diagnostics,
  eventually,
  histogram,
  instrumentation,
  logs,
  resetTelemetry,
  spans,
  settledOnly,
  settledSpans,
} from './support/telemetry';
import { loadSdks, type OpenAIModule } from './support/sdks';

const SDKS = loadSdks();

const PROMPT = [
  { role: 'system' as const, content: 'You are the checkout assistant.' },
  { role: 'user' as const, content: 'Summarise my order' },
];
const ANSWER = 'Your order has two items and comes to EUR 42.';
const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_order',
      description: 'Look an order up by its id',
      parameters: {
        type: 'object',
        properties: { order_id: { type: 'string' } },
        required: ['order_id'],
      },
    },
  },
];

type Client = InstanceType<OpenAIModule['default']>;

/** A fetch that sends every request to the local server, whatever host the client was given. */
function redirectTo(server: FakeOpenAI): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const local = new URL(server.baseURL);
    url.protocol = local.protocol;
    url.host = local.host;
    return fetch(url, init);
  };
}

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected an error'),
    (error: unknown) => error,
  );
}

/** The chat helpers: top-level in v5+, under `beta` in v4. */
function chatHelpers(client: Client): {
  stream: Client['chat']['completions']['stream'];
  runTools: Client['chat']['completions']['runTools'];
} {
  const completions = (
    typeof client.chat.completions.stream === 'function'
      ? client.chat.completions
      : (client as unknown as { beta: { chat: { completions: Client['chat']['completions'] } } })
          .beta.chat.completions
  ) as Client['chat']['completions'];
  return {
    stream: completions.stream.bind(completions),
    runTools: completions.runTools.bind(completions),
  };
}

const hashesBySdk = new Map<string, { plain: unknown; stream: unknown; responses: unknown }>();

for (const sdk of SDKS) {
  const OpenAI = sdk.module.default;

  describe(`GenAIInstrumentation over the real ${sdk.label} and a local OpenAI-shaped server`, () => {
    const server = new FakeOpenAI();
    let client: Client;

    before(async () => {
      await server.start();
      client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    });
    after(() => server.stop());
    beforeEach(async () => {
      instrumentation.setConfig({});
      await collectMetrics();
      resetTelemetry();
    });

    describe('chat completions', () => {
      it('records a completion: name, kind, request and response attributes, usage, cost, hashes and metrics', async () => {
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          temperature: 0.2,
          max_tokens: 512,
          top_p: 0.9,
          seed: 7,
          stop: ['END'],
        });
        assert.equal(completion.choices[0]?.message.content, ANSWER);
        const span = await settledOnly();
        assert.equal(span.name, 'chat gpt-4o-mini');
        assert.equal(span.kind, SpanKind.CLIENT);
        const a = span.attributes;
        assert.equal(a['gen_ai.operation.name'], 'chat');
        assert.equal(a['gen_ai.provider.name'], 'openai');
        assert.equal(a['gen_ai.request.model'], 'gpt-4o-mini');
        assert.equal(a['gen_ai.request.temperature'], 0.2);
        assert.equal(a['gen_ai.request.max_tokens'], 512);
        assert.equal(a['gen_ai.request.top_p'], 0.9);
        assert.equal(a['gen_ai.request.seed'], 7);
        assert.deepEqual(a['gen_ai.request.stop_sequences'], ['END']);
        assert.equal(a['gen_ai.request.choice.count'], undefined);
        assert.equal(a['gen_ai.response.id'], 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
        assert.equal(a['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
        assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
        assert.equal(a['gen_ai.usage.input_tokens'], 1240);
        assert.equal(a['gen_ai.usage.output_tokens'], 96);
        assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 1024);
        assert.equal(a['gen_ai.usage.reasoning.output_tokens'], 0);
        assert.equal(a['server.address'], '127.0.0.1');
        assert.equal(a['server.port'], Number(new URL(server.baseURL).port));
        assert.equal(a['gen_ai.request.stream'], undefined);
        assert.equal(a['gen_ai.response.time_to_first_chunk'], undefined);
        // gpt-4o-mini: 0.15 $/Mtok input, 0.075 cached input, 0.60 output.
        const expected = (216 * 0.15 + 1024 * 0.075 + 96 * 0.6) / 1e6;
        assert.ok(Math.abs((a['elkhound.cost.total'] as number) - expected) < 1e-12);
        assert.equal(a['elkhound.cost.currency'], 'USD');
        assert.equal(a['elkhound.cost.source'], 'local');
        assert.match(String(a['elkhound.pricing.version']), /^@pydantic\/genai-prices@/);
        assert.match(String(a['elkhound.prompt.hash']), /^sha256:[0-9a-f]{64}$/);
        assert.match(String(a['elkhound.prompt.system_hash']), /^sha256:[0-9a-f]{64}$/);
        assert.match(String(a['elkhound.completion.hash']), /^sha256:[0-9a-f]{64}$/);
        assert.equal(a['gen_ai.input.messages'], undefined, 'content is off by default');
        assert.equal(span.status.code, SpanStatusCode.UNSET);

        const metrics = await collectMetrics();
        const duration = histogram(metrics, 'gen_ai.client.operation.duration');
        assert.equal(duration.descriptor.unit, 's');
        assert.equal(duration.dataPoints.length, 1);
        const point = duration.dataPoints[0];
        assert.equal(point?.value.count, 1);
        assert.deepEqual(point?.value.buckets.boundaries.slice(0, 3), [0.01, 0.02, 0.04]);
        assert.equal(point?.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
        assert.equal(point?.attributes['server.address'], '127.0.0.1');
        const tokens = histogram(metrics, 'gen_ai.client.token.usage');
        const byType = new Map(
          tokens.dataPoints.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]),
        );
        assert.equal(byType.get('input'), 1240);
        assert.equal(byType.get('output'), 96);
        const cost = histogram(metrics, 'elkhound.gen_ai.client.cost');
        assert.ok(Math.abs((cost.dataPoints[0]?.value.sum ?? 0) - expected) < 1e-12);
        assert.equal(metrics.get('gen_ai.client.operation.time_to_first_chunk'), undefined);
      });

      it('keeps the APIPromise: withResponse() and asResponse() work and each ends one span', async () => {
        const { data, response } = await client.chat.completions
          .create({ model: 'gpt-4o-mini', messages: PROMPT })
          .withResponse();
        assert.equal(data.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
        assert.equal(response.status, 200);
        assert.equal((await settledOnly()).attributes['gen_ai.usage.input_tokens'], 1240);
        resetTelemetry();
        const raw = await client.chat.completions
          .create({ model: 'gpt-4o-mini', messages: PROMPT })
          .asResponse();
        const body = (await raw.json()) as { id: string };
        assert.equal(body.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        // Read from a copy of the body: the span has the usage, the app its untouched body.
        assert.equal(
          (await settledOnly()).attributes['gen_ai.response.id'],
          'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
        );
        assert.equal((await settledOnly()).attributes['gen_ai.usage.input_tokens'], 1240);
        assert.ok(Number((await settledOnly()).attributes['elkhound.cost.total']) > 0);
      });

      it('records tool calls, and content capture shows the call and the tool definitions', async () => {
        instrumentation.setConfig({ captureMessageContent: true });
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Where is order A-1001?' }],
          tools: TOOLS,
        });
        assert.equal(completion.choices[0]?.message.tool_calls?.[0]?.id, 'call_62136354');
        const a = (await settledOnly()).attributes;
        assert.deepEqual(a['gen_ai.response.finish_reasons'], ['tool_calls']);
        assert.deepEqual(JSON.parse(String(a['gen_ai.output.messages'])), [
          {
            role: 'assistant',
            parts: [
              {
                type: 'tool_call',
                id: 'call_62136354',
                name: 'get_order',
                arguments: { order_id: 'A-1001' },
              },
            ],
            finish_reason: 'tool_calls',
          },
        ]);
        assert.deepEqual(JSON.parse(String(a['gen_ai.tool.definitions'])), [
          {
            type: 'function',
            name: 'get_order',
            description: 'Look an order up by its id',
            parameters: TOOLS[0]?.function.parameters,
          },
        ]);
        assert.deepEqual(JSON.parse(String(a['gen_ai.input.messages'])), [
          { role: 'user', parts: [{ type: 'text', content: 'Where is order A-1001?' }] },
        ]);
      });

      it('records n > 1 choices and JSON output', async () => {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT, n: 2 });
        const two = (await settledOnly()).attributes;
        assert.equal(two['gen_ai.request.choice.count'], 2);
        assert.deepEqual(two['gen_ai.response.finish_reasons'], ['stop', 'length']);
        resetTelemetry();
        const json = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          response_format: { type: 'json_object' },
        });
        assert.deepEqual(JSON.parse(json.choices[0]?.message.content ?? ''), {
          items: 2,
          total: 42,
          currency: 'EUR',
        });
        assert.equal((await settledOnly()).attributes['gen_ai.output.type'], 'json');
      });
    });

    describe('chat completion streams', () => {
      it('records a stream with include_usage: one span, time to first chunk, chunk metrics, usage, and the same hashes as without streaming', async () => {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
        const plain = await settledOnly();
        resetTelemetry();
        await collectMetrics();
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let chunks = 0;
        for await (const chunk of stream) {
          chunks++;
          text += chunk.choices[0]?.delta.content ?? '';
          assert.equal((await settledSpans()).length, 0, 'the span stays open while the app reads');
        }
        assert.equal(text, ANSWER);
        assert.equal(chunks, 7);
        const a = (await settledOnly()).attributes;
        assert.equal(a['gen_ai.request.stream'], true);
        assert.equal(a['gen_ai.usage.input_tokens'], 1240);
        assert.equal(a['gen_ai.usage.output_tokens'], 96);
        assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 1024);
        assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
        assert.equal(a['gen_ai.response.id'], 'chatcmpl-B9MBtStreamCjcvOU2jLn4n570');
        assert.equal(a['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
        const firstChunk = a['gen_ai.response.time_to_first_chunk'] as number;
        assert.ok(firstChunk > 0 && firstChunk < 5, String(firstChunk));
        assert.equal(a['elkhound.prompt.hash'], plain.attributes['elkhound.prompt.hash']);
        assert.equal(a['elkhound.completion.hash'], plain.attributes['elkhound.completion.hash']);
        assert.ok((a['elkhound.cost.total'] as number) > 0);
        const metrics = await collectMetrics();
        assert.equal(
          histogram(metrics, 'gen_ai.client.operation.time_to_first_chunk').dataPoints[0]?.value
            .count,
          1,
        );
        const perChunk = histogram(metrics, 'gen_ai.client.operation.time_per_output_chunk');
        assert.equal(perChunk.dataPoints[0]?.value.count, chunks - 1);
        assert.deepEqual(
          perChunk.dataPoints[0]?.value.buckets.boundaries.slice(0, 2),
          [0.01, 0.025],
        );
        const previous = hashesBySdk.get(sdk.label) ?? { plain: 0, stream: 0, responses: 0 };
        hashesBySdk.set(sdk.label, {
          ...previous,
          plain: plain.attributes['elkhound.prompt.hash'],
          stream: a['elkhound.prompt.hash'],
        });
      });

      it('ends the span of a stream without usage, of an early break, of a tee() and of toReadableStream()', async () => {
        const noUsage = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          stream: true,
        });
        for await (const chunk of noUsage) void chunk;
        const withoutUsage = await settledOnly();
        // The local server is not a host known to accept stream_options: estimated (o200k),
        // prompt = 2 messages × 3 + 3 priming + "system" + "user" (1 each) + 6 + 5 (the contents).
        assert.equal(withoutUsage.attributes['gen_ai.usage.input_tokens'], 22);
        assert.equal(withoutUsage.attributes['gen_ai.usage.output_tokens'], 12);
        assert.equal(withoutUsage.attributes['elkhound.usage.source'], 'estimated');
        assert.equal(withoutUsage.attributes['elkhound.cost.source'], 'estimated');
        assert.ok((withoutUsage.attributes['elkhound.cost.total'] as number) > 0);
        assert.equal(withoutUsage.attributes['elkhound.cost.unpriced'], undefined);
        assert.deepEqual(withoutUsage.attributes['gen_ai.response.finish_reasons'], ['stop']);
        resetTelemetry();

        const early = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          stream: true,
        });
        let read = 0;
        for await (const chunk of early) {
          void chunk;
          if (++read === 2) break;
        }
        const broken = await settledOnly();
        assert.equal(broken.status.code, SpanStatusCode.UNSET);
        // The output estimate covers what was streamed before the break: "Your order".
        assert.equal(broken.attributes['gen_ai.usage.output_tokens'], 2);
        assert.equal(broken.attributes['elkhound.usage.source'], 'estimated');
        assert.equal(
          broken.attributes['gen_ai.response.id'],
          'chatcmpl-B9MBtStreamCjcvOU2jLn4n570',
        );
        resetTelemetry();

        const original = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          stream: true,
          stream_options: { include_usage: true },
        });
        assert.ok(original.controller instanceof AbortController);
        const [left, right] = original.tee();
        let leftChunks = 0;
        let rightChunks = 0;
        for await (const chunk of left) if (chunk) leftChunks++;
        for await (const chunk of right) if (chunk) rightChunks++;
        assert.equal(leftChunks, 7);
        assert.equal(rightChunks, 7);
        assert.equal((await settledOnly()).attributes['gen_ai.usage.output_tokens'], 96);
        resetTelemetry();

        const readable = (
          await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: PROMPT,
            stream: true,
            stream_options: { include_usage: true },
          })
        ).toReadableStream();
        const reader = readable.getReader();
        let lines = 0;
        for (;;) {
          const { done } = await reader.read();
          if (done) break;
          lines++;
        }
        assert.equal(lines, 7);
        assert.equal((await settledOnly()).attributes['gen_ai.usage.output_tokens'], 96);
      });

      it('assembles streamed tool calls when content is captured', async () => {
        instrumentation.setConfig({ captureMessageContent: true });
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Where is order A-1001?' }],
          tools: TOOLS,
          stream: true,
        });
        for await (const chunk of stream) void chunk;
        const a = (await settledOnly()).attributes;
        assert.deepEqual(a['gen_ai.response.finish_reasons'], ['tool_calls']);
        assert.equal(a['gen_ai.usage.input_tokens'], 82);
        const output = JSON.parse(String(a['gen_ai.output.messages'])) as unknown;
        assert.deepEqual(output, [
          {
            role: 'assistant',
            parts: [
              {
                type: 'tool_call',
                id: 'call_62136354',
                name: 'get_order',
                arguments: { order_id: 'A-1001' },
              },
            ],
            finish_reason: 'tool_calls',
          },
        ]);
      });

      it('records an error in the middle of a stream, and the app gets the SDK error', async () => {
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hello [fixture:stream_error]' }],
          stream: true,
        });
        let text = '';
        const failure = await (async () => {
          try {
            for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
          } catch (error) {
            return error;
          }
          return assert.fail('expected the stream to fail');
        })();
        assert.equal(text, 'Your order');
        assert.ok(failure instanceof OpenAI.APIError);
        const span = await settledOnly();
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.attributes['error.type'], 'APIError');
        assert.equal(span.attributes['gen_ai.response.id'], 'chatcmpl-B9MBtErrCjcvOU2jLn4n572');
        // Reported once: as the exception log record, not also as a span event.
        assert.deepEqual(span.events, []);
        assert.equal(logs.getFinishedLogRecords()[0]?.eventName, 'exception');
      });

      it('ends the span of an aborted stream as cancelled', async () => {
        const controller = new AbortController();
        const stream = await client.chat.completions.create(
          {
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hello [fixture:slow_stream]' }],
            stream: true,
          },
          { signal: controller.signal },
        );
        let chunks = 0;
        const reading = (async () => {
          try {
            for await (const chunk of stream) {
              void chunk;
              if (++chunks === 2) controller.abort();
            }
          } catch (error) {
            return error;
          }
          return undefined;
        })();
        const thrown = await reading;
        // openai ends the loop quietly on abort (v4) or throws APIUserAbortError (later).
        if (thrown !== undefined) assert.match((thrown as Error).constructor.name, /Abort/);
        const span = await settledOnly();
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.attributes['elkhound.error.category'], 'cancelled');
      });

      it('ends a stream that is never consumed after the idle timeout', async () => {
        instrumentation.setConfig({ streamIdleTimeoutMs: 50 });
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
          stream: true,
        });
        assert.equal(spans.getFinishedSpans().length, 0);
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        assert.equal((await settledOnly()).attributes['elkhound.stream.abandoned'], true);
        stream.controller.abort();
      });

      it('does not end a stream that is slow to answer while the app waits for it', async () => {
        instrumentation.setConfig({ streamIdleTimeoutMs: 30 });
        const controller = new AbortController();
        const stream = await client.chat.completions.create(
          {
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hello [fixture:slow_stream]' }],
            stream: true,
          },
          { signal: controller.signal },
        );
        const iterator = stream[Symbol.asyncIterator]();
        await iterator.next();
        await iterator.next();
        // The third chunk never comes: the app is waiting, so the stream is not idle.
        const waiting = iterator.next().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 120));
        assert.equal(spans.getFinishedSpans().length, 0);
        controller.abort();
        await waiting;
        assert.equal((await settledOnly()).attributes['elkhound.error.category'], 'cancelled');
      });

      it('keeps chat.completions.stream() and runTools() working, with one span per model call', async () => {
        const helpers = chatHelpers(client);
        const runner = helpers.stream({ model: 'gpt-4o-mini', messages: PROMPT });
        let deltas = '';
        runner.on('content', (delta: string) => {
          deltas += delta;
        });
        const final = await runner.finalChatCompletion();
        assert.equal(final.choices[0]?.message.content, ANSWER);
        assert.equal(deltas, ANSWER);
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        assert.equal((await settledOnly()).attributes['gen_ai.request.stream'], true);
        resetTelemetry();

        const calls: string[] = [];
        const tools = await helpers.runTools({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Where is order A-1001?' }],
          tools: [
            {
              type: 'function',
              function: {
                name: 'get_order',
                description: 'Look an order up by its id',
                parameters: TOOLS[0]?.function.parameters ?? {},
                function: (args: { order_id: string }) => {
                  calls.push(args.order_id);
                  return { status: 'shipped' };
                },
                parse: (text: string) => JSON.parse(text) as { order_id: string },
              },
            },
          ],
        } as never);
        const content = await (tools as { finalContent(): Promise<string | null> }).finalContent();
        assert.equal(content, ANSWER);
        assert.deepEqual(calls, ['A-1001']);
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 2));
        const finished = await settledSpans();
        assert.equal(finished.length, 2, 'one span per model call');
        assert.deepEqual(
          finished.map((span) => span.attributes['gen_ai.response.finish_reasons']),
          [['tool_calls'], ['stop']],
        );
      });
    });

    describe('Responses API', () => {
      it('records responses.create, whole and streamed, with the same prompt hash', async () => {
        const response = await client.responses.create({
          model: 'gpt-4o-mini',
          instructions: 'You are the checkout assistant.',
          input: 'Summarise my order',
          max_output_tokens: 300,
        });
        assert.equal(response.output_text, ANSWER);
        const plain = await settledOnly();
        const a = plain.attributes;
        assert.equal(plain.name, 'chat gpt-4o-mini');
        assert.equal(a['gen_ai.operation.name'], 'chat');
        assert.equal(a['gen_ai.request.max_tokens'], 300);
        assert.equal(
          a['gen_ai.response.id'],
          'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
        );
        assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
        assert.equal(a['gen_ai.usage.input_tokens'], 1240);
        assert.equal(a['gen_ai.usage.output_tokens'], 96);
        assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 1024);
        assert.equal(a['gen_ai.usage.reasoning.output_tokens'], 64);
        assert.ok((a['elkhound.cost.total'] as number) > 0);
        resetTelemetry();

        const stream = await client.responses.create({
          model: 'gpt-4o-mini',
          instructions: 'You are the checkout assistant.',
          input: 'Summarise my order',
          max_output_tokens: 300,
          stream: true,
        });
        const types: string[] = [];
        for await (const event of stream) types.push(event.type);
        assert.equal(types[0], 'response.created');
        assert.equal(types[types.length - 1], 'response.completed');
        const streamed = (await settledOnly()).attributes;
        assert.equal(streamed['gen_ai.request.stream'], true);
        assert.equal(streamed['gen_ai.usage.reasoning.output_tokens'], 64);
        assert.ok((streamed['gen_ai.response.time_to_first_chunk'] as number) > 0);
        assert.equal(streamed['elkhound.prompt.hash'], a['elkhound.prompt.hash']);
        assert.equal(streamed['elkhound.completion.hash'], a['elkhound.completion.hash']);
        const previous = hashesBySdk.get(sdk.label) ?? { plain: 0, stream: 0, responses: 0 };
        hashesBySdk.set(sdk.label, { ...previous, responses: a['elkhound.prompt.hash'] });
      });

      it('keeps responses.stream() working with one span', async () => {
        const runner = client.responses.stream({
          model: 'gpt-4o-mini',
          input: 'Summarise my order',
        });
        const final = await runner.finalResponse();
        assert.equal(final.id, 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b');
        // The helper resolves on the completed event, before its loop reads the end of the stream.
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        const span = await settledOnly();
        assert.equal(span.attributes['gen_ai.request.stream'], true);
        assert.equal(span.attributes['gen_ai.usage.output_tokens'], 96);
      });
    });

    it('records embeddings', async () => {
      const result = await client.embeddings.create({
        model: 'text-embedding-3-small',
        input: 'order 7',
        encoding_format: 'float',
        dimensions: 4,
      });
      assert.equal(result.data.length, 1);
      const span = await settledOnly();
      assert.equal(span.name, 'embeddings text-embedding-3-small');
      assert.equal(span.attributes['gen_ai.operation.name'], 'embeddings');
      assert.deepEqual(span.attributes['gen_ai.request.encoding_formats'], ['float']);
      assert.equal(span.attributes['gen_ai.embeddings.dimension.count'], 4);
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], 8);
      assert.equal(span.attributes['elkhound.prompt.hash'], undefined);
      assert.ok((span.attributes['elkhound.cost.total'] as number) > 0);
    });

    describe('errors', () => {
      it('categorises errors; the app receives the same error as without Elkhound', async () => {
        const cases: Array<[string, string, string]> = [
          ['[fixture:rate_limit]', 'RateLimitError', 'rate_limit'],
          ['[fixture:context_length]', 'BadRequestError', 'context_length'],
          ['[fixture:content_filter]', 'BadRequestError', 'content_filter'],
          ['[fixture:unauthorized]', 'AuthenticationError', 'authentication'],
          ['[fixture:forbidden]', 'PermissionDeniedError', 'authentication'],
          ['[fixture:server_error]', 'InternalServerError', 'server_error'],
        ];
        for (const [marker, errorClass, category] of cases) {
          const request = () =>
            client.chat.completions.create({
              model: 'gpt-4o-mini',
              messages: [{ role: 'user', content: `hello ${marker}` }],
            });
          instrumentation.disable();
          const bare = (await rejection(request())) as InstanceType<typeof OpenAI.APIError>;
          instrumentation.enable();
          resetTelemetry();
          const failure = (await rejection(request())) as InstanceType<typeof OpenAI.APIError>;
          assert.equal(failure.constructor, bare.constructor, marker);
          assert.equal(failure.message, bare.message);
          assert.equal(failure.status, bare.status);
          assert.equal(failure.constructor.name, errorClass);
          await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
          const span = await settledOnly();
          assert.equal(span.status.code, SpanStatusCode.ERROR);
          assert.equal(span.attributes['error.type'], errorClass);
          assert.equal(span.attributes['elkhound.error.category'], category, marker);
          assert.deepEqual(
            span.events,
            [],
            'no exception span event: the log record is the one copy',
          );
          const records = logs.getFinishedLogRecords();
          assert.equal(records.length, 1);
          assert.equal(records[0]?.eventName, 'exception');
          assert.equal(records[0]?.attributes['exception.type'], errorClass);
          assert.equal(records[0]?.spanContext?.spanId, span.spanContext().spanId);
        }
      });

      it('records a failed call’s metrics with error.type, apart from the calls of the same kind that succeeded', async () => {
        const model = 'gpt-4o-mini-metrics-of-errors';
        const request = (text: string) =>
          client.chat.completions.create({ model, messages: [{ role: 'user', content: text }] });
        await collectMetrics();
        await request('hello');
        await rejection(request('hello [fixture:rate_limit]'));
        await request('hello again');
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 3));
        const metrics = await collectMetrics();
        const points = (name: string) =>
          histogram(metrics, name).dataPoints.filter(
            (point) => point.attributes['gen_ai.request.model'] === model,
          );
        const durations = points('gen_ai.client.operation.duration');
        assert.equal(durations.length, 2);
        const failed = durations.find((point) => point.attributes['error.type'] !== undefined);
        const succeeded = durations.find((point) => point.attributes['error.type'] === undefined);
        assert.equal(failed?.attributes['error.type'], 'RateLimitError');
        assert.equal(failed?.value.count, 1);
        assert.equal(failed?.attributes['gen_ai.response.model'], undefined);
        assert.equal(succeeded?.value.count, 2, 'the failure did not change the shared attributes');
        assert.equal(succeeded?.attributes['server.address'], '127.0.0.1');
        const tokens = points('gen_ai.client.token.usage');
        assert.deepEqual(
          tokens.map((point) => [point.attributes['gen_ai.token.type'], point.value.count]).sort(),
          [
            ['input', 2],
            ['output', 2],
          ],
        );
        for (const point of tokens) assert.equal(point.attributes['error.type'], undefined);
      });

      it('ends the span of a request aborted before its response as cancelled', async () => {
        const controller = new AbortController();
        const pending = client.chat.completions.create(
          { model: 'gpt-4o-mini', messages: PROMPT },
          { signal: controller.signal },
        );
        controller.abort();
        const failure = await rejection(pending);
        assert.equal((failure as Error).constructor.name, 'APIUserAbortError');
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        assert.equal((await settledOnly()).attributes['elkhound.error.category'], 'cancelled');
      });

      it('categorises a client timeout and an unreachable server', async () => {
        const impatient = new OpenAI({
          apiKey: 'sk-test',
          baseURL: server.baseURL,
          maxRetries: 0,
          timeout: 100,
        });
        const timedOut = await rejection(
          impatient.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hello [fixture:no_answer]' }],
          }),
        );
        assert.equal((timedOut as Error).constructor.name, 'APIConnectionTimeoutError');
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        assert.equal((await settledOnly()).attributes['elkhound.error.category'], 'timeout');
        resetTelemetry();

        const unreachable = new OpenAI({
          apiKey: 'sk-test',
          baseURL: 'http://127.0.0.1:9/v1',
          maxRetries: 0,
        });
        const refused = await rejection(
          unreachable.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT }),
        );
        assert.equal((refused as Error).constructor.name, 'APIConnectionError');
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        const span = await settledOnly();
        assert.equal(span.attributes['elkhound.error.category'], 'network_error');
        assert.equal(span.attributes['error.type'], 'APIConnectionError');
        assert.equal(span.attributes['server.port'], 9);
      });

      it('a malformed response: the app gets the SDK error, the span a parsing_error', async () => {
        const failure = await rejection(
          client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hello [fixture:malformed]' }],
          }),
        );
        assert.ok(failure instanceof Error);
        await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
        const span = await settledOnly();
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.attributes['elkhound.error.category'], 'parsing_error');
      });
    });

    describe('providers and servers', () => {
      it('names the provider from the base URL host, with a user-extensible map', async () => {
        const cases: Array<[string, string, number]> = [
          ['https://api.deepseek.com/v1', 'deepseek', 443],
          ['https://api.groq.com/openai/v1', 'groq', 443],
          ['https://api.x.ai/v1', 'x_ai', 443],
          ['https://api.mistral.ai/v1', 'mistral_ai', 443],
          ['https://openrouter.ai/api/v1', 'openrouter', 443],
          ['https://llm.internal.example:8443/v1', 'openai', 8443],
        ];
        for (const [baseURL, provider, port] of cases) {
          resetTelemetry();
          const remote = new OpenAI({
            apiKey: 'sk-test',
            baseURL,
            maxRetries: 0,
            fetch: redirectTo(server),
          });
          await remote.chat.completions.create({ model: 'some-model', messages: PROMPT });
          const a = (await settledOnly()).attributes;
          assert.equal(a['gen_ai.provider.name'], provider, baseURL);
          assert.equal(a['server.address'], new URL(baseURL).hostname);
          assert.equal(a['server.port'], port);
        }
        resetTelemetry();
        instrumentation.setConfig({ providerHosts: { 'llm.internal.example': 'groq' } });
        const mapped = new OpenAI({
          apiKey: 'sk-test',
          baseURL: 'https://llm.internal.example/v1',
          maxRetries: 0,
          fetch: redirectTo(server),
        });
        await mapped.chat.completions.create({ model: 'llama-3.3-70b', messages: PROMPT });
        assert.equal((await settledOnly()).attributes['gen_ai.provider.name'], 'groq');
      });

      it('records calls through AzureOpenAI as azure.ai.openai with the real endpoint', async () => {
        const azure = new sdk.module.AzureOpenAI({
          apiKey: 'azure-key',
          endpoint: 'https://contoso-eu.openai.azure.com',
          apiVersion: '2024-10-21',
          deployment: 'gpt-4o-mini',
          maxRetries: 0,
          fetch: redirectTo(server),
        });
        const completion = await azure.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
        });
        assert.equal(completion.choices[0]?.message.content, ANSWER);
        const request = server.requests[server.requests.length - 1];
        assert.equal(request?.path, '/openai/deployments/gpt-4o-mini/chat/completions');
        assert.equal(request?.query.get('api-version'), '2024-10-21');
        const a = (await settledOnly()).attributes;
        assert.equal(a['gen_ai.provider.name'], 'azure.ai.openai');
        assert.equal(a['server.address'], 'contoso-eu.openai.azure.com');
        assert.equal(a['server.port'], 443);
        assert.ok((a['elkhound.cost.total'] as number) > 0);
      });
    });

    describe('content capture', () => {
      const PRIVATE = [
        { role: 'system' as const, content: 'You are the checkout assistant.' },
        {
          role: 'user' as const,
          content:
            'I am ana@example.com, card 4111 1111 1111 1111, phone +33 6 12 34 56 78, key sk-proj-abcdefghijklmnopqrstuv. Summarise my order',
        },
      ];
      const REDACTED =
        'I am [REDACTED:email], card [REDACTED:card], phone [REDACTED:phone], key [REDACTED:api_key]. Summarise my order';

      it('is off by default: no content attributes and no details event', async () => {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PRIVATE });
        const a = (await settledOnly()).attributes;
        for (const key of Object.keys(a)) assert.doesNotMatch(key, /messages|instructions/);
        assert.equal(logs.getFinishedLogRecords().length, 0);
      });

      it('records redacted content on the span in the conventions message schema', async () => {
        instrumentation.setConfig({ captureMessageContent: true });
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PRIVATE });
        const a = (await settledOnly()).attributes;
        assert.deepEqual(JSON.parse(String(a['gen_ai.system_instructions'])), [
          { type: 'text', content: 'You are the checkout assistant.' },
        ]);
        assert.deepEqual(JSON.parse(String(a['gen_ai.input.messages'])), [
          { role: 'user', parts: [{ type: 'text', content: REDACTED }] },
        ]);
        assert.deepEqual(JSON.parse(String(a['gen_ai.output.messages'])), [
          { role: 'assistant', parts: [{ type: 'text', content: ANSWER }], finish_reason: 'stop' },
        ]);
        assert.equal(logs.getFinishedLogRecords().length, 0);
      });

      it('emits the gen_ai.client.inference.operation.details event, correlated to the span', async () => {
        instrumentation.setConfig({ captureMessageContent: true, contentDestination: 'event' });
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PRIVATE,
          stream: true,
          stream_options: { include_usage: true },
        });
        for await (const chunk of stream) void chunk;
        const span = await settledOnly();
        assert.equal(span.attributes['gen_ai.input.messages'], undefined);
        const [record] = logs.getFinishedLogRecords();
        assert.equal(record?.eventName, 'gen_ai.client.inference.operation.details');
        assert.equal(record?.spanContext?.traceId, span.spanContext().traceId);
        assert.equal(record?.spanContext?.spanId, span.spanContext().spanId);
        assert.equal(record?.attributes['gen_ai.usage.input_tokens'], 1240);
        assert.deepEqual(record?.attributes['gen_ai.input.messages'], [
          { role: 'user', parts: [{ type: 'text', content: REDACTED }] },
        ]);
        assert.deepEqual(record?.attributes['gen_ai.output.messages'], [
          { role: 'assistant', parts: [{ type: 'text', content: ANSWER }], finish_reason: 'stop' },
        ]);
      });

      it('applies the user hook and the length limit; a throwing hook records nothing of the text', async () => {
        const seen: string[] = [];
        instrumentation.setConfig({
          captureMessageContent: true,
          maxContentLength: 20,
          redact: (text, context) => {
            seen.push(`${context.kind}:${context.role ?? ''}`);
            return text.replace('checkout', 'CHECKOUT');
          },
        });
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
        const a = (await settledOnly()).attributes;
        const system = JSON.parse(String(a['gen_ai.system_instructions'])) as Array<{
          content: string;
        }>;
        assert.equal(system[0]?.content, 'You are the CHECKOUT…[truncated 11 characters]');
        assert.deepEqual(seen, ['system:system', 'input:user', 'output:assistant']);
        resetTelemetry();

        instrumentation.setConfig({
          captureMessageContent: true,
          redact: () => {
            throw new Error('injected hook failure');
          },
        });
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PRIVATE,
        });
        assert.equal(completion.choices[0]?.message.content, ANSWER);
        const failed = (await settledOnly()).attributes;
        assert.doesNotMatch(String(failed['gen_ai.input.messages']), /ana|Summarise/);
        assert.match(String(failed['gen_ai.input.messages']), /\[redaction failed\]/);
        assert.equal(failed['gen_ai.usage.input_tokens'], 1240);
        assert.ok(diagnostics.errors.some((message) => message.includes('injected hook failure')));
      });
    });

    describe('cost and hashes', () => {
      it('never lets its own failures reach the app: a throwing price book leaves the call unpriced', async () => {
        const broken = PriceBook.load({ overridesFile: '' });
        broken.price = () => {
          throw new Error('injected pricing failure');
        };
        instrumentation.setConfig({ pricing: broken });
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
        });
        assert.equal(completion.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
        const span = await settledOnly();
        assert.equal(span.attributes['elkhound.cost.total'], undefined);
        assert.equal(span.attributes['gen_ai.usage.input_tokens'], 1240);
        assert.ok(
          diagnostics.errors.some((message) => message.includes('injected pricing failure')),
        );
      });

      it('marks an unknown model unpriced, never a cost of 0', async () => {
        await client.chat.completions.create({ model: 'my-finetune-xyz', messages: PROMPT });
        const span = await settledOnly();
        assert.equal(span.attributes['gen_ai.response.model'], 'my-finetune-xyz');
        assert.equal(span.attributes['elkhound.cost.unpriced'], true);
        assert.equal(span.attributes['elkhound.cost.total'], undefined);
        assert.match(String(span.attributes['elkhound.pricing.version']), /genai-prices/);
        assert.equal(span.attributes['gen_ai.usage.input_tokens'], 1240);
        const metrics = await collectMetrics();
        assert.equal(metrics.get('elkhound.gen_ai.client.cost'), undefined);
      });

      it('hashes the worked example of docs/prompt-hash.md through a real call', async () => {
        await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: 'Hi' },
          ],
        });
        const span = await settledOnly();
        assert.equal(
          span.attributes['elkhound.prompt.hash'],
          'sha256:bd21d9eec31a4604b7618a04321c3f65534da102b545ea9481e7660f54331283',
        );
        assert.equal(
          span.attributes['elkhound.prompt.system_hash'],
          'sha256:a51f2b2e7365696fe7021d1e404dc043361edf8441c421c41ba3f55a6b4d71c6',
        );
      });

      it('changes the hash with one character, and hashes with HMAC or not at all', async () => {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
        const before = (await settledOnly()).attributes['elkhound.prompt.hash'];
        resetTelemetry();
        await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [
            PROMPT[0] as (typeof PROMPT)[0],
            { role: 'user', content: 'Summarise my order!' },
          ],
        });
        const after = (await settledOnly()).attributes;
        assert.notEqual(after['elkhound.prompt.hash'], before);
        assert.notEqual(after['elkhound.prompt.system_hash'], undefined);
        resetTelemetry();
        instrumentation.setConfig({ promptHashKey: 'secret' });
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
        assert.match(
          String((await settledOnly()).attributes['elkhound.prompt.hash']),
          /^hmac-sha256:[0-9a-f]{64}$/,
        );
        resetTelemetry();
        instrumentation.setConfig({ promptHash: false });
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
        assert.equal((await settledOnly()).attributes['elkhound.prompt.hash'], undefined);
      });
    });

    it('calls straight through when disabled', async () => {
      instrumentation.disable();
      try {
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: PROMPT,
        });
        assert.equal(completion.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
        assert.equal(spans.getFinishedSpans().length, 0);
      } finally {
        instrumentation.enable();
      }
    });
  });
}

describe('prompt hashes across openai majors', () => {
  it('gives the same prompt the same hash in every SDK major, streaming or not', () => {
    const hashes = [...hashesBySdk.values()];
    assert.equal(hashes.length, SDKS.length);
    const first = hashes[0];
    assert.ok(first && typeof first.plain === 'string');
    for (const hash of hashes) {
      assert.equal(hash.plain, first.plain);
      assert.equal(hash.stream, first.plain);
      // The Responses API's instructions + input hash like the same chat messages.
      assert.equal(hash.responses, first.plain);
    }
  });
});
