import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { FakeOpenAI } from '@elkhound/test-support';
import { PriceBook } from '@elkhound/pricing';
import { GenAIInstrumentation } from '../src';

// The instrumentation must exist before `openai` is loaded: it hooks the module's files.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const instrumentation = new GenAIInstrumentation();
instrumentation.setTracerProvider(provider);
// Node's own require (tsx's loader may otherwise resolve `openai` to its ESM build, which only
// the --import registration hooks).
const OpenAI = (createRequire(__filename)('openai') as typeof import('openai')).default;

const PROMPT = [
  { role: 'system' as const, content: 'You are the checkout assistant.' },
  { role: 'user' as const, content: 'Summarise my order' },
];

function only(spans: ReadableSpan[]): ReadableSpan {
  assert.equal(
    spans.length,
    1,
    `expected one span, got ${spans.map((span) => span.name).join(', ')}`,
  );
  return spans[0] as ReadableSpan;
}

async function eventually(check: () => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return check();
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('GenAIInstrumentation over the real openai SDK (v7) and a local OpenAI-shaped server', () => {
  const server = new FakeOpenAI();
  let client: InstanceType<typeof OpenAI>;

  before(async () => {
    await server.start();
    client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
  });
  after(() => server.stop());
  beforeEach(() => {
    exporter.reset();
    instrumentation.setConfig({});
  });

  it('records a chat completion: name, kind, request and response attributes, usage, cost and hashes', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: PROMPT,
      temperature: 0.2,
      max_tokens: 512,
    });
    assert.equal(
      completion.choices[0]?.message.content,
      'Your order has two items and comes to EUR 42.',
    );
    const span = only(exporter.getFinishedSpans());
    assert.equal(span.name, 'chat gpt-4o-mini');
    assert.equal(span.kind, SpanKind.CLIENT);
    const a = span.attributes;
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.provider.name'], 'openai');
    assert.equal(a['gen_ai.request.model'], 'gpt-4o-mini');
    assert.equal(a['gen_ai.request.temperature'], 0.2);
    assert.equal(a['gen_ai.request.max_tokens'], 512);
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
    // gpt-4o-mini: 0.15 $/Mtok input, 0.075 cached input, 0.60 output.
    const expected = (216 * 0.15 + 1024 * 0.075 + 96 * 0.6) / 1e6;
    assert.ok(Math.abs((a['elkhound.cost.total'] as number) - expected) < 1e-12);
    assert.equal(a['elkhound.cost.currency'], 'USD');
    assert.equal(a['elkhound.cost.source'], 'local');
    assert.match(String(a['elkhound.pricing.version']), /^@pydantic\/genai-prices@/);
    assert.match(String(a['elkhound.prompt.hash']), /^sha256:[0-9a-f]{64}$/);
    assert.match(String(a['elkhound.prompt.system_hash']), /^sha256:[0-9a-f]{64}$/);
    assert.match(String(a['elkhound.completion.hash']), /^sha256:[0-9a-f]{64}$/);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('keeps the APIPromise: withResponse() and asResponse() work and still end one span', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: PROMPT })
      .withResponse();
    assert.equal(data.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    assert.equal(response.status, 200);
    assert.equal(only(exporter.getFinishedSpans()).attributes['gen_ai.usage.input_tokens'], 1240);
    exporter.reset();
    const raw = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: PROMPT })
      .asResponse();
    const body = (await raw.json()) as { id: string };
    assert.equal(body.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
  });

  it('records a stream with include_usage: one span, time to first chunk, usage, and the same hashes as without streaming', async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
    const plain = only(exporter.getFinishedSpans());
    exporter.reset();
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
      assert.equal(
        exporter.getFinishedSpans().length,
        0,
        'the span stays open while the app reads',
      );
    }
    assert.equal(text, 'Your order has two items and comes to EUR 42.');
    assert.equal(chunks, 7);
    const span = only(exporter.getFinishedSpans());
    const a = span.attributes;
    assert.equal(a['gen_ai.request.stream'], true);
    assert.equal(a['gen_ai.usage.input_tokens'], 1240);
    assert.equal(a['gen_ai.usage.output_tokens'], 96);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(a['gen_ai.response.id'], 'chatcmpl-B9MBtStreamCjcvOU2jLn4n570');
    assert.ok((a['gen_ai.response.time_to_first_chunk'] as number) > 0);
    assert.equal(a['elkhound.prompt.hash'], plain.attributes['elkhound.prompt.hash']);
    assert.equal(a['elkhound.completion.hash'], plain.attributes['elkhound.completion.hash']);
    assert.ok((a['elkhound.cost.total'] as number) > 0);
  });

  it('ends the span of a stream without usage, of an early break, and of a tee()', async () => {
    const noUsage = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: PROMPT,
      stream: true,
    });
    for await (const chunk of noUsage) void chunk;
    const withoutUsage = only(exporter.getFinishedSpans());
    assert.equal(withoutUsage.attributes['gen_ai.usage.input_tokens'], undefined);
    assert.equal(withoutUsage.attributes['elkhound.cost.total'], undefined);
    exporter.reset();

    const early = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: PROMPT,
      stream: true,
    });
    for await (const chunk of early) {
      void chunk;
      break;
    }
    assert.ok(only(exporter.getFinishedSpans()).ended);
    exporter.reset();

    const original = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: PROMPT,
      stream: true,
      stream_options: { include_usage: true },
    });
    const [left, right] = original.tee();
    let leftChunks = 0;
    let rightChunks = 0;
    for await (const chunk of left) if (chunk) leftChunks++;
    for await (const chunk of right) if (chunk) rightChunks++;
    assert.equal(leftChunks, 7);
    assert.equal(rightChunks, 7);
    assert.equal(only(exporter.getFinishedSpans()).attributes['gen_ai.usage.output_tokens'], 96);
  });

  it('categorises errors, and the app receives exactly the SDK error', async () => {
    const cases: Array<[string, string, string]> = [
      ['[fixture:rate_limit]', 'RateLimitError', 'rate_limit'],
      ['[fixture:context_length]', 'BadRequestError', 'context_length'],
      ['[fixture:unauthorized]', 'AuthenticationError', 'authentication'],
      ['[fixture:server_error]', 'InternalServerError', 'server_error'],
    ];
    for (const [marker, errorClass, category] of cases) {
      exporter.reset();
      const failure = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hello ${marker}` }] })
        .then(
          () => assert.fail('expected an error'),
          (error: unknown) => error,
        );
      assert.equal((failure as Error).constructor.name, errorClass);
      assert.ok(failure instanceof OpenAI.APIError);
      await eventually(() => assert.equal(exporter.getFinishedSpans().length, 1));
      const span = only(exporter.getFinishedSpans());
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['error.type'], errorClass);
      assert.equal(span.attributes['elkhound.error.category'], category, marker);
      assert.equal(span.events[0]?.name, 'exception');
    }
  });

  it('records embeddings', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'order 7',
    });
    assert.equal(result.data.length, 1);
    const span = only(exporter.getFinishedSpans());
    assert.equal(span.name, 'embeddings text-embedding-3-small');
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 8);
    assert.ok((span.attributes['elkhound.cost.total'] as number) > 0);
  });

  it('names the provider from the base URL host, with a user-extensible map', async () => {
    instrumentation.setConfig({ providerHosts: { '127.0.0.1': 'deepseek' } });
    await client.chat.completions.create({ model: 'deepseek-chat', messages: PROMPT });
    const span = only(exporter.getFinishedSpans());
    assert.equal(span.attributes['gen_ai.provider.name'], 'deepseek');
  });

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
    const span = only(exporter.getFinishedSpans());
    assert.equal(span.attributes['elkhound.cost.total'], undefined);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 1240);
  });

  it('marks an unknown model unpriced, never a cost of 0', async () => {
    await client.chat.completions.create({ model: 'my-finetune-xyz', messages: PROMPT });
    const span = only(exporter.getFinishedSpans());
    assert.equal(span.attributes['gen_ai.response.model'], 'my-finetune-xyz');
    assert.equal(span.attributes['elkhound.cost.unpriced'], true);
    assert.equal(span.attributes['elkhound.cost.total'], undefined);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 1240);
  });

  it('hashes the worked example of docs/prompt-hash.md through a real call', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    const span = only(exporter.getFinishedSpans());
    assert.equal(
      span.attributes['elkhound.prompt.hash'],
      'sha256:bd21d9eec31a4604b7618a04321c3f65534da102b545ea9481e7660f54331283',
    );
    assert.equal(
      span.attributes['elkhound.prompt.system_hash'],
      'sha256:a51f2b2e7365696fe7021d1e404dc043361edf8441c421c41ba3f55a6b4d71c6',
    );
  });

  it('hashes with HMAC when a key is configured, and not at all when switched off', async () => {
    instrumentation.setConfig({ promptHashKey: 'secret' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
    assert.match(
      String(only(exporter.getFinishedSpans()).attributes['elkhound.prompt.hash']),
      /^hmac-sha256:[0-9a-f]{64}$/,
    );
    exporter.reset();
    instrumentation.setConfig({ promptHash: false });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
    assert.equal(only(exporter.getFinishedSpans()).attributes['elkhound.prompt.hash'], undefined);
  });
});
