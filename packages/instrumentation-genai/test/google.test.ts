import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { calcPrice } from '@pydantic/genai-prices';
import { FakeGemini } from '@elkhound/test-support';
import { geminiUsage } from '../src/providers/google/generate';
import { loadVersions } from './support/sdks';
import {
  diagnostics,
  eventually,
  instrumentation,
  resetTelemetry,
  spans,
  settledOnly,
  settledSpans,
} from './support/telemetry';

type GoogleModule = typeof import('@google/genai');

const run = promisify(execFile);
const MODEL = 'gemini-2.5-flash';
const SYSTEM = 'You are the support assistant of an online shop.';

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected an error'),
    (error: unknown) => error,
  );
}

// 3.x has a CommonJS build: the suite runs in this process through `require`. 1.x is ESM only:
// both versions also run in a child process through the `--import` hook (below).
describe('google genai (@google/genai, CommonJS)', function () {
  const server = new FakeGemini();
  let ai: InstanceType<GoogleModule['GoogleGenAI']>;
  let google: GoogleModule;

  before(async () => {
    await server.start();
    google = createRequire(__filename)('@google/genai') as GoogleModule;
    ai = new google.GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: server.origin } });
  });
  after(() => server.stop());
  beforeEach(() => resetTelemetry());

  it('generateContent: a CLIENT span, usage with cached and thinking tokens folded, cost as genai-prices', async () => {
    const response = await ai.models.generateContent({
      model: MODEL,
      contents: 'When will my order ship?',
      config: { systemInstruction: SYSTEM, temperature: 0.3, topK: 20, maxOutputTokens: 512 },
    });
    assert.match(response.text ?? '', /two business days/);
    const span = await settledOnly();
    const a = span.attributes;
    assert.equal(span.name, `chat ${MODEL}`);
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(a['gen_ai.provider.name'], 'gcp.gemini');
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.request.temperature'], 0.3);
    assert.equal(a['gen_ai.request.top_k'], 20);
    assert.equal(a['gen_ai.request.max_tokens'], 512);
    assert.equal(a['gen_ai.response.id'], 'mVsjaL2bIvGp1dkP7ZGR4Qs');
    assert.equal(a['gen_ai.response.model'], MODEL);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    // promptTokenCount includes the cached tokens; the output adds the thinking tokens.
    assert.equal(a['gen_ai.usage.input_tokens'], 2100);
    assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 1024);
    assert.equal(a['gen_ai.usage.output_tokens'], 48 + 200);
    assert.equal(a['gen_ai.usage.reasoning.output_tokens'], 200);
    assert.equal(a['server.address'], '127.0.0.1');
    const direct = calcPrice(
      {
        input_tokens: 2100,
        cache_read_tokens: 1024,
        output_tokens: 248,
        output_reasoning_tokens: 200,
      },
      MODEL,
      { providerId: 'google' },
    );
    assert.ok(direct, 'genai-prices knows the model');
    assert.ok(Math.abs((a['elkhound.cost.total'] as number) - direct.total_price) < 1e-12);
    assert.match(String(a['elkhound.prompt.hash']), /^sha256:[0-9a-f]{64}$/);
    assert.match(String(a['elkhound.prompt.system_hash']), /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(diagnostics.errors, []);
  });

  it('generateContentStream: one span, the last chunk’s usage, time to first chunk', async () => {
    const stream = await ai.models.generateContentStream({
      model: MODEL,
      contents: 'When will my order ship?',
    });
    let text = '';
    for await (const chunk of stream) text += chunk.text ?? '';
    assert.equal(text, 'Your order ships within two business days.');
    const a = (await settledOnly()).attributes;
    assert.equal(a['gen_ai.request.stream'], true);
    assert.equal(a['gen_ai.response.id'], 'nFsjaNKiMN2f1dkPgcXn4Ao');
    assert.equal(a['gen_ai.usage.input_tokens'], 30);
    assert.equal(a['gen_ai.usage.output_tokens'], 9 + 40);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.ok((a['gen_ai.response.time_to_first_chunk'] as number) > 0);
  });

  it('a stream left after its first chunk ends its span once', async () => {
    const stream = await ai.models.generateContentStream({
      model: MODEL,
      contents: 'When will my order ship?',
    });
    for await (const chunk of stream) if (chunk.text) break;
    await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
    assert.equal((await settledOnly()).attributes['gen_ai.response.id'], 'nFsjaNKiMN2f1dkPgcXn4Ao');
  });

  it('chats: each sendMessage is one span, the history part of the prompt', async () => {
    const chat = ai.chats.create({ model: MODEL, config: { systemInstruction: SYSTEM } });
    await chat.sendMessage({ message: 'When will my order ship?' });
    await chat.sendMessage({ message: 'And the invoice?' });
    const finished = await settledSpans();
    assert.equal(finished.length, 2);
    assert.notEqual(
      finished[0]?.attributes['elkhound.prompt.hash'],
      finished[1]?.attributes['elkhound.prompt.hash'],
    );
    assert.equal(
      finished[0]?.attributes['elkhound.prompt.system_hash'],
      finished[1]?.attributes['elkhound.prompt.system_hash'],
    );
  });

  it('function calling: the call in the captured output', async () => {
    instrumentation.setConfig({ captureMessageContent: true });
    try {
      await ai.models.generateContent({
        model: MODEL,
        contents: 'Where is order 1042?',
        config: {
          tools: [
            {
              functionDeclarations: [
                {
                  name: 'get_order_status',
                  description: 'Look an order up',
                  parametersJsonSchema: { type: 'object' },
                },
              ],
            },
          ],
          automaticFunctionCalling: { disable: true },
        },
      });
      const a = (await settledOnly()).attributes;
      const output = JSON.parse(String(a['gen_ai.output.messages'])) as Array<{ parts: unknown[] }>;
      assert.deepEqual(output[0]?.parts[0], {
        type: 'tool_call',
        name: 'get_order_status',
        arguments: { order_id: '1042' },
      });
      const tools = JSON.parse(String(a['gen_ai.tool.definitions'])) as Array<{ name: string }>;
      assert.equal(tools[0]?.name, 'get_order_status');
    } finally {
      instrumentation.setConfig({});
    }
  });

  it('embedContent: an embeddings span', async () => {
    const result = await ai.models.embedContent({
      model: 'gemini-embedding-001',
      contents: 'shipping times',
    });
    assert.equal(result.embeddings?.length, 1);
    const span = await settledOnly();
    assert.equal(span.name, 'embeddings gemini-embedding-001');
    assert.equal(span.attributes['gen_ai.operation.name'], 'embeddings');
  });

  for (const [marker, category] of [
    ['unauthorized', 'authentication'],
    ['forbidden', 'authentication'],
    ['rate_limit', 'rate_limit'],
    ['context_length', 'context_length'],
    ['server_error', 'server_error'],
    ['overloaded', 'server_error'],
  ] as const) {
    it(`an API error (${marker}): the SDK's own error reaches the app, the span says ${category}`, async () => {
      const error = await rejection(
        ai.models.generateContent({ model: MODEL, contents: `hello [fixture:${marker}]` }),
      );
      assert.ok(error instanceof google.ApiError, String(error));
      const span = await settledOnly();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['elkhound.error.category'], category);
    });
  }

  it("the SDK's own timeout (httpOptions.timeout) is a timeout, the app's abortSignal a cancellation", async () => {
    const timedOut = await rejection(
      ai.models.generateContent({
        model: MODEL,
        contents: 'hello [fixture:slow]',
        config: { httpOptions: { timeout: 100 } },
      }),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const cancelled = await rejection(
      ai.models.generateContent({
        model: MODEL,
        contents: 'hello again [fixture:slow]',
        config: { abortSignal: controller.signal },
      }),
    );
    // The app gets the SDK's errors as they are: both AbortErrors.
    assert.equal((timedOut as Error).name, 'AbortError');
    assert.equal((cancelled as Error).name, 'AbortError');
    await eventually(() => assert.equal(spans.getFinishedSpans().length, 2));
    const [first, second] = await settledSpans();
    assert.equal(first?.attributes['elkhound.error.category'], 'timeout');
    assert.equal(second?.attributes['elkhound.error.category'], 'cancelled');
    assert.equal(first?.status.code, SpanStatusCode.ERROR);
  });

  it('a client in Vertex AI mode is gcp.vertex_ai', async () => {
    const vertex = new google.GoogleGenAI({
      vertexai: true,
      apiKey: 'test-key',
      httpOptions: { baseUrl: server.origin },
    });
    await vertex.models
      .generateContent({ model: MODEL, contents: 'When will my order ship?' })
      .catch(() => undefined);
    assert.equal((await settledOnly()).attributes['gen_ai.provider.name'], 'gcp.vertex_ai');
  });

  it('usage folding: thinking counted as output, cache inside input', () => {
    assert.deepEqual(
      geminiUsage({
        promptTokenCount: 100,
        candidatesTokenCount: 10,
        thoughtsTokenCount: 5,
        cachedContentTokenCount: 40,
      }),
      {
        inputTokens: 100,
        outputTokens: 15,
        cacheReadTokens: 40,
        reasoningTokens: 5,
      },
    );
  });
});

describe('google genai under --import (ESM), oldest and newest version', function () {
  const server = new FakeGemini();
  before(() => server.start());
  after(() => server.stop());

  for (const sdk of loadVersions<GoogleModule>('@google/genai', 'google-genai-v1')) {
    it(`${sdk.label}: generateContent, generateContentStream and embedContent are recorded`, async () => {
      const root = sdk.version.startsWith('1.')
        ? join(__dirname, '.sdks', 'google-genai-v1', 'node_modules', '@google', 'genai')
        : join(__dirname, '..', '..', '..', 'node_modules', '@google', 'genai');
      const { stdout } = await run(
        process.execPath,
        ['--import', './setup.mjs', 'google-app.mjs'],
        {
          cwd: join(__dirname, 'fixtures', 'esm'),
          env: {
            ...process.env,
            NODE_OPTIONS: '',
            FAKE_GEMINI_URL: server.origin,
            GOOGLE_GENAI_MODULE: pathToFileURL(join(root, 'dist', 'node', 'index.mjs')).href,
          },
        },
      );
      const recorded = JSON.parse(stdout) as Array<{
        name: string;
        attributes: Record<string, unknown>;
      }>;
      assert.deepEqual(
        recorded.map((span) => span.name),
        [`chat ${MODEL}`, `chat ${MODEL}`, 'embeddings gemini-embedding-001'],
      );
      assert.equal(recorded[0]?.attributes['gen_ai.usage.input_tokens'], 2100);
      assert.equal(recorded[1]?.attributes['gen_ai.usage.output_tokens'], 49);
      assert.equal(recorded[1]?.attributes['gen_ai.request.stream'], true);
      assert.equal(recorded[0]?.attributes['gen_ai.provider.name'], 'gcp.gemini');
    });
  }
});
