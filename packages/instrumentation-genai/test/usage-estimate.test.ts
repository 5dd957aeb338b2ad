// Usage estimated where the provider reports none, and its accuracy against the provider's own
// counts (test/fixtures/token-counts.json: the OpenAI API's prompt_tokens, as published by the
// OpenAI Cookbook). docs/pricing.md quotes these results.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SpanStatusCode } from '@opentelemetry/api';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FakeBedrock, FakeGemini, FakeOpenAI } from '@elkhound/test-support';
import { EXACT_CHARACTERS, TokenCounter, encodingFor, estimateUsage } from '../src/estimate';
import { chatPromptTexts } from '../src/prompt-texts';
import { loadSdks } from './support/sdks';
import { instrumentation, resetTelemetry, spans, settledOnly } from './support/telemetry';

const run = promisify(execFile);
// Loaded here, after the instrumentation (./support/telemetry) hooks their modules.
const load = createRequire(__filename);
type BedrockModule = typeof import('@aws-sdk/client-bedrock-runtime');
type GoogleModule = typeof import('@google/genai');

interface CountCase {
  name: string;
  messages: unknown[];
  tools?: unknown[];
  promptTokens: Record<string, number>;
}
const FIXTURES = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'token-counts.json'), 'utf8'),
) as { source: string; cases: CountCase[] };

const PROMPT = [{ role: 'user' as const, content: 'When will my order ship?' }];

/** Tokens of a text in o200k, by the library itself (the output estimate has no framing). */
function o200k(text: string): number {
  return new TokenCounter('o200k_base').tokens(text);
}

describe('usage estimates: accuracy against the provider’s own counts', () => {
  for (const fixture of FIXTURES.cases) {
    for (const [model, real] of Object.entries(fixture.promptTokens)) {
      it(`${fixture.name}, ${model}: ${real} prompt tokens (the OpenAI API's count), exactly`, () => {
        const usage = estimateUsage(
          model,
          chatPromptTexts(fixture.messages, undefined, fixture.tools),
          [],
        );
        assert.equal(usage?.inputTokens, real);
      });
    }
  }

  it('picks o200k for GPT-4o-era models and other providers, cl100k for older OpenAI models', () => {
    for (const model of ['gpt-4o-mini', 'gpt-4.1', 'gpt-5', 'o3-mini', 'claude-sonnet-4-5', 'x/y'])
      assert.equal(encodingFor(model), 'o200k_base', model);
    for (const model of ['gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo', 'text-embedding-3-small'])
      assert.equal(encodingFor(model), 'cl100k_base', model);
  });

  it(`counts exactly up to ${EXACT_CHARACTERS} characters, and extrapolates beyond within 2 %`, () => {
    const sentence = 'Orders placed before noon ship the same day; others ship within 2 days. ';
    const long = sentence.repeat(Math.ceil((EXACT_CHARACTERS * 4) / sentence.length));
    const exact = new TokenCounter('o200k_base');
    // The exact count, encoded in pieces within the budget of separate counters.
    let truth = 0;
    for (let at = 0; at < long.length; at += sentence.length * 100)
      truth += new TokenCounter('o200k_base').tokens(long.slice(at, at + sentence.length * 100));
    const estimated = exact.tokens(long);
    assert.ok(Math.abs(estimated - truth) / truth < 0.02, `${estimated} vs ${truth}`);
    // A text never encoded before the budget ran out is chars / 4.
    assert.equal(new TokenCounter('o200k_base').tokens('x'.repeat(8)) > 0, true);
  });

  it('loads no encoding when the package is loaded: only on the first estimate', async () => {
    const { stdout } = await run(process.execPath, [
      '-e',
      `require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
       const loaded = () => Object.keys(require.cache).some((f) => f.includes('gpt-tokenizer'));
       const before = loaded();
       require(${JSON.stringify(join(__dirname, '..', 'dist', 'estimate.js'))}).estimateUsage('gpt-4o', { texts: ['hi'], framingTokens: 0 }, []);
       console.log(JSON.stringify({ before, after: loaded() }));`,
    ]);
    assert.deepEqual(JSON.parse(stdout), { before: false, after: true });
  });
});

for (const sdk of loadSdks()) {
  const OpenAI = sdk.module.default;

  describe(`usage estimates over the real ${sdk.label} (a server that sends no usage)`, () => {
    const server = new FakeOpenAI();
    let client: InstanceType<typeof OpenAI>;

    before(async () => {
      await server.start();
      // The local server is not a host known to accept stream_options: streams carry no usage.
      client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    });
    after(() => server.stop());
    beforeEach(() => {
      // These tests check exact counts: on a loaded machine the worker may take longer than the
      // default 100 ms, after which the span would carry the chars/4 fallback (the fallback has
      // its own tests in estimate-worker.test.ts).
      instrumentation.setConfig({ estimateTimeoutMs: 10_000 });
      resetTelemetry();
    });

    it('the cookbook prompt streamed to gpt-4o: 124 input tokens, as the OpenAI API counts them', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: FIXTURES.cases[0]!.messages as typeof PROMPT,
        stream: true,
      });
      for await (const chunk of stream) void chunk;
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.usage.input_tokens'], 124);
      assert.equal(
        a['gen_ai.usage.output_tokens'],
        o200k('Your order has two items and comes to EUR 42.'),
      );
      assert.equal(a['elkhound.usage.source'], 'estimated');
      assert.equal(a['elkhound.cost.source'], 'estimated');
      assert.ok((a['elkhound.cost.total'] as number) > 0);
    });

    it('a provider error mid-stream: the error span has the estimate of what was streamed', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello [fixture:stream_error]' }],
        stream: true,
      });
      await assert.rejects(async () => {
        for await (const chunk of stream) void chunk;
      });
      const span = await settledOnly();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['gen_ai.usage.output_tokens'], o200k('Your order'));
      assert.equal(span.attributes['elkhound.usage.source'], 'estimated');
      assert.ok((span.attributes['elkhound.cost.total'] as number) > 0);
    });

    it('a connection lost mid-stream: the span has the estimate of what was streamed', async () => {
      const lost = new FakeOpenAI();
      await lost.start();
      const direct = new OpenAI({ apiKey: 'sk-test', baseURL: lost.baseURL, maxRetries: 0 });
      const stream = await direct.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello [fixture:slow_stream]' }],
        stream: true,
      });
      const failure = (async () => {
        for await (const chunk of stream) {
          // The server sends two chunks, then its connections are cut.
          if (chunk.choices[0]?.delta.content === 'Your order') void lost.stop();
        }
      })();
      await assert.rejects(failure);
      const span = await settledOnly();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['gen_ai.usage.output_tokens'], o200k('Your order'));
      assert.equal(span.attributes['elkhound.usage.source'], 'estimated');
    });

    it('a request that fails before any response: unpriced, no_usage', async () => {
      await assert.rejects(
        client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hello [fixture:rate_limit]' }],
        }),
      );
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.usage.input_tokens'], undefined);
      assert.equal(a['elkhound.cost.unpriced'], true);
      assert.equal(a['elkhound.cost.unpriced_reason'], 'no_usage');
    });

    it('an unknown model: estimated usage, unpriced with unknown_model', async () => {
      const stream = await client.chat.completions.create({
        model: 'my-local-llama',
        messages: PROMPT,
        stream: true,
      });
      for await (const chunk of stream) void chunk;
      const a = (await settledOnly()).attributes;
      assert.equal(a['elkhound.usage.source'], 'estimated');
      assert.equal(a['elkhound.cost.unpriced'], true);
      assert.equal(a['elkhound.cost.unpriced_reason'], 'unknown_model');
    });

    it('a streamed tool call left before the usage chunk: the output estimate counts its name and arguments', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: PROMPT,
        tools: FIXTURES.cases[1]!.tools as never,
        stream: true,
        stream_options: { include_usage: true },
      });
      let streamed = '';
      for await (const chunk of stream) {
        const call = chunk.choices[0]?.delta.tool_calls?.[0];
        streamed += (call?.function?.name ?? '') + (call?.function?.arguments ?? '');
        if (chunk.choices[0]?.finish_reason) break;
      }
      const a = (await settledOnly()).attributes;
      assert.equal(a['elkhound.usage.source'], 'estimated');
      assert.ok(streamed.length > 0);
      assert.equal(a['gen_ai.usage.output_tokens'], o200k(streamed));
    });

    it('ELKHOUND_USAGE_ESTIMATE=off (estimateUsage: false): unpriced, no_usage', async () => {
      instrumentation.setConfig({ estimateUsage: false, estimateTimeoutMs: 10_000 });
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: PROMPT,
        stream: true,
      });
      for await (const chunk of stream) void chunk;
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.usage.input_tokens'], undefined);
      assert.equal(a['elkhound.cost.unpriced_reason'], 'no_usage');
    });

    it('usage the provider reported is never replaced by an estimate', async () => {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
      const a = (await settledOnly()).attributes;
      assert.equal(a['elkhound.usage.source'], 'provider');
      assert.equal(a['elkhound.cost.source'], 'local');
      assert.equal(a['gen_ai.usage.input_tokens'], 1240);
    });
  });
}

describe('usage estimates for providers that report none', () => {
  it('Bedrock InvokeModel with a Mistral body: estimated from the prompt and the outputs', async () => {
    const bedrock = load('@aws-sdk/client-bedrock-runtime') as BedrockModule;
    const server = new FakeBedrock();
    await server.start();
    try {
      const client = new bedrock.BedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: server.origin,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler(),
      });
      resetTelemetry();
      await client.send(
        new bedrock.InvokeModelCommand({
          modelId: 'mistral.mistral-large-2402-v1:0',
          contentType: 'application/json',
          body: JSON.stringify({
            prompt: '<s>[INST] When will my order ship? [/INST]',
            max_tokens: 64,
          }),
        }),
      );
      const a = (await settledOnly()).attributes;
      assert.equal(a['elkhound.usage.source'], 'estimated');
      assert.equal(
        a['gen_ai.usage.input_tokens'],
        o200k('<s>[INST] When will my order ship? [/INST]'),
      );
      assert.equal(
        a['gen_ai.usage.output_tokens'],
        o200k(' Your order ships within two business days.'),
      );
      assert.ok(
        a['elkhound.cost.source'] === 'estimated' || a['elkhound.cost.unpriced'] === true,
        'priced from the estimate, or unpriced with a reason',
      );
    } finally {
      await server.stop();
    }
  });

  it('Gemini embedContent (the Gemini API counts no embedding tokens): estimated input', async () => {
    const google = load('@google/genai') as GoogleModule;
    const server = new FakeGemini();
    await server.start();
    try {
      const ai = new google.GoogleGenAI({
        apiKey: 'test-key',
        httpOptions: { baseUrl: server.origin },
      });
      resetTelemetry();
      await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'shipping times' });
      const a = (await settledOnly()).attributes;
      assert.equal(a['elkhound.usage.source'], 'estimated');
      assert.equal(a['gen_ai.usage.input_tokens'], o200k('shipping times'));
      assert.equal(a['gen_ai.usage.output_tokens'], 0);
      assert.ok(a['elkhound.cost.source'] === 'estimated' || a['elkhound.cost.unpriced'] === true);
    } finally {
      await server.stop();
    }
    assert.equal(spans.getFinishedSpans().length, 1);
  });
});
