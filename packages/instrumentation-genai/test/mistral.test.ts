import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { calcPrice } from '@pydantic/genai-prices';
import { FakeMistral } from '@elkhound/test-support';
import { copyOldest, loadOldest } from './support/sdks';
import { diagnostics, eventually, resetTelemetry, spans, settledOnly } from './support/telemetry';

type MistralModule = typeof import('mistralai-v1');

const run = promisify(execFile);
const MODEL = 'mistral-small-latest';
const MESSAGES = [
  { role: 'system' as const, content: 'You are the support assistant of an online shop.' },
  { role: 'user' as const, content: 'When will my order ship?' },
];

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected an error'),
    (error: unknown) => error,
  );
}

// 1.x is CommonJS (in this process); 2.x is ES modules only (a child process under --import, below).
describe('mistral (@mistralai/mistralai 1.x, CommonJS)', function () {
  const server = new FakeMistral();
  const sdk = loadOldest<MistralModule>('@mistralai/mistralai', 'mistralai-v1');
  let client: InstanceType<MistralModule['Mistral']>;

  before(async () => {
    await server.start();
    client = new sdk.module.Mistral({ apiKey: 'test-key', serverURL: server.origin });
  });
  after(() => server.stop());
  beforeEach(() => resetTelemetry());

  it(`${sdk.label} chat.complete: a CLIENT span with usage, cost and hashes`, async () => {
    const result = await client.chat.complete({
      model: MODEL,
      messages: MESSAGES,
      temperature: 0.2,
      maxTokens: 256,
    });
    assert.match(String(result.choices?.[0]?.message?.content), /two business days/);
    const span = await settledOnly();
    const a = span.attributes;
    assert.equal(span.name, `chat ${MODEL}`);
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(a['gen_ai.provider.name'], 'mistral_ai');
    assert.equal(a['gen_ai.request.temperature'], 0.2);
    assert.equal(a['gen_ai.request.max_tokens'], 256);
    assert.equal(a['gen_ai.response.id'], 'cf79f7daaee244b1a0ae5c7b1444424a');
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(a['gen_ai.usage.input_tokens'], 24);
    assert.equal(a['gen_ai.usage.output_tokens'], 27);
    assert.equal(a['server.address'], '127.0.0.1');
    const direct = calcPrice({ input_tokens: 24, output_tokens: 27 }, MODEL, {
      providerId: 'mistral',
    });
    assert.ok(direct);
    assert.ok(Math.abs((a['elkhound.cost.total'] as number) - direct.total_price) < 1e-12);
    assert.match(String(a['elkhound.prompt.system_hash']), /^sha256:/);
    assert.deepEqual(diagnostics.errors, []);
  });

  it(`${sdk.label} chat.stream: one span, usage from the last chunk, time to first chunk`, async () => {
    const stream = await client.chat.stream({ model: MODEL, messages: MESSAGES });
    let text = '';
    for await (const event of stream) text += String(event.data.choices[0]?.delta.content ?? '');
    assert.equal(text, 'Your order ships within two business days.');
    const a = (await settledOnly()).attributes;
    assert.equal(a['gen_ai.request.stream'], true);
    assert.equal(a['gen_ai.usage.input_tokens'], 24);
    assert.equal(a['gen_ai.usage.output_tokens'], 11);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.ok((a['gen_ai.response.time_to_first_chunk'] as number) > 0);
  });

  it(`${sdk.label} a stream left early ends its span once`, async () => {
    const stream = await client.chat.stream({ model: MODEL, messages: MESSAGES });
    for await (const event of stream) if (event.data.choices[0]?.delta.content) break;
    await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
  });

  it(`${sdk.label} embeddings.create: an embeddings span with its tokens`, async () => {
    await client.embeddings.create({ model: 'mistral-embed', inputs: ['shipping times'] });
    const span = await settledOnly();
    assert.equal(span.name, 'embeddings mistral-embed');
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 6);
    assert.ok((span.attributes['elkhound.cost.total'] as number) > 0);
  });

  for (const [marker, category] of [
    ['unauthorized', 'authentication'],
    ['rate_limit', 'rate_limit'],
    ['context_length', 'context_length'],
    ['server_error', 'server_error'],
  ] as const) {
    it(`${sdk.label} an API error (${marker}): the SDK's error reaches the app, the span says ${category}`, async () => {
      const error = await rejection(
        client.chat.complete({
          model: MODEL,
          messages: [{ role: 'user', content: `hi [fixture:${marker}]` }],
        }),
      );
      assert.ok(error instanceof Error);
      const span = await settledOnly();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['elkhound.error.category'], category);
    });
  }
});

describe('mistral under --import (ESM), oldest and newest version', function () {
  const server = new FakeMistral();
  before(() => server.start());
  after(() => server.stop());

  const newest = join(__dirname, '..', '..', '..', 'node_modules', '@mistralai', 'mistralai');
  const entries = [
    {
      label: 'oldest (1.x)',
      entry: () =>
        createRequire(
          join(copyOldest('@mistralai/mistralai', 'mistralai-v1').root, 'load.js'),
        ).resolve('@mistralai/mistralai'),
    },
    { label: 'newest (2.x)', entry: () => join(newest, 'esm', 'index.js') },
  ];
  for (const { label, entry } of entries) {
    it(`${label}: chat.complete, chat.stream and embeddings are recorded`, async () => {
      const { stdout } = await run(
        process.execPath,
        ['--import', './setup.mjs', 'mistral-app.mjs'],
        {
          cwd: join(__dirname, 'fixtures', 'esm'),
          env: {
            ...process.env,
            NODE_OPTIONS: '',
            MISTRAL_SDK_TELEMETRY: 'false',
            FAKE_MISTRAL_URL: server.origin,
            MISTRAL_MODULE: pathToFileURL(entry()).href,
          },
        },
      );
      const recorded = JSON.parse(stdout) as Array<{
        name: string;
        attributes: Record<string, unknown>;
      }>;
      assert.deepEqual(
        recorded.map((span) => span.name),
        [`chat ${MODEL}`, `chat ${MODEL}`, 'embeddings mistral-embed'],
      );
      assert.equal(recorded[0]?.attributes['gen_ai.usage.output_tokens'], 27);
      assert.equal(recorded[1]?.attributes['gen_ai.usage.output_tokens'], 11);
      assert.equal(recorded[2]?.attributes['gen_ai.provider.name'], 'mistral_ai');
    });
  }
});
