// Estimates counted in the worker thread (src/estimator, src/estimate-worker): exact through the
// worker, the chars / 4 fallback when the worker is late or fails, spans that keep their real end
// time, and a process that exits right after its call (auto-register) still exports the span.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Usage } from '@elkhound/pricing';
import { FakeOpenAI, OtlpJsonReceiver, otlpAttribute } from '@elkhound/test-support';
import { approximateUsage } from '../src/estimate';
import { EstimateWorker, useEstimateWorker, type EstimateMethod } from '../src/estimator';
import { chatPromptTexts } from '../src/prompt-texts';
import { loadSdks } from './support/sdks';
import {
  diagnostics,
  instrumentation,
  only,
  resetTelemetry,
  settledOnly,
} from './support/telemetry';

interface CountCase {
  name: string;
  messages: unknown[];
  tools?: unknown[];
  promptTokens: Record<string, number>;
}
const FIXTURES = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'token-counts.json'), 'utf8'),
) as { cases: CountCase[] };
const SCRIPTS = join(__dirname, 'fixtures', 'estimate');

function estimate(
  worker: EstimateWorker,
  model: string,
  prompt: ReturnType<typeof chatPromptTexts>,
  timeoutMs = 100,
): Promise<{ usage: Usage | undefined; method: EstimateMethod; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) =>
    worker.estimate(model, prompt, ['Your order ships today.'], timeoutMs, (usage, method) =>
      resolve({ usage, method, ms: performance.now() - start }),
    ),
  );
}

describe('usage estimates in the worker thread', () => {
  it('the OpenAI API’s own counts, exactly, through the worker', async () => {
    const worker = new EstimateWorker();
    try {
      for (const fixture of FIXTURES.cases) {
        for (const [model, real] of Object.entries(fixture.promptTokens)) {
          const prompt = chatPromptTexts(fixture.messages, undefined, fixture.tools);
          const { usage, method } = await estimate(worker, model, prompt);
          assert.equal(method, 'tokenizer', `${fixture.name}, ${model}`);
          assert.equal(usage?.inputTokens, real, `${fixture.name}, ${model}`);
        }
      }
    } finally {
      await worker.stop();
    }
  });

  it('a worker that does not answer in time: the chars / 4 fallback after the bound', async () => {
    const worker = new EstimateWorker(join(SCRIPTS, 'silent-worker.cjs'));
    try {
      const prompt = chatPromptTexts(FIXTURES.cases[0]!.messages);
      await estimate(worker, 'gpt-4o', prompt, 5); // the worker is ready once this one is over
      const { usage, method, ms } = await estimate(worker, 'gpt-4o', prompt, 30);
      assert.equal(method, 'fallback');
      assert.deepEqual(usage, approximateUsage(prompt, ['Your order ships today.']));
      assert.ok(ms >= 29 && ms < 1_000, `settled after ${ms} ms`);
      assert.equal(worker.size, 0);
    } finally {
      await worker.stop();
    }
  });

  it('a worker that fails: pending estimates fall back, later ones at once, nothing thrown', async () => {
    const worker = new EstimateWorker(join(SCRIPTS, 'failing-worker.cjs'));
    resetTelemetry();
    try {
      const prompt = chatPromptTexts(FIXTURES.cases[0]!.messages);
      const first = await estimate(worker, 'gpt-4o', prompt, 10_000);
      assert.equal(first.method, 'fallback');
      assert.ok(first.ms < 5_000, `settled after ${first.ms} ms, by the failure not the bound`);
      assert.ok(diagnostics.errors.some((error) => /estimate worker failed/.test(error)));
      let sync: EstimateMethod | undefined;
      worker.estimate('gpt-4o', prompt, [], 100, (_usage, method) => (sync = method));
      assert.equal(sync, 'fallback', 'a failed worker is not waited for');
    } finally {
      await worker.stop();
    }
  });
});

for (const sdk of loadSdks()) {
  const OpenAI = sdk.module.default;

  describe(`spans that wait for their estimate (the real ${sdk.label}, a server that sends no usage)`, () => {
    const server = new FakeOpenAI();
    let client: InstanceType<typeof OpenAI>;
    const messages = [{ role: 'user' as const, content: 'When will my order ship?' }];

    before(async () => {
      await server.start();
      client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    });
    after(() => server.stop());
    beforeEach(() => {
      instrumentation.setConfig({});
      resetTelemetry();
    });

    async function streamOnce(): Promise<number> {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
      });
      for await (const chunk of stream) void chunk;
      return performance.timeOrigin + performance.now();
    }
    const epochMs = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

    it('a late worker: the span ends with the fallback, marked estimated, at the call’s own end time', async () => {
      const previous = useEstimateWorker(new EstimateWorker(join(SCRIPTS, 'silent-worker.cjs')));
      try {
        instrumentation.setConfig({ estimateTimeoutMs: 50 });
        const returned = await streamOnce();
        const span = await settledOnly();
        const a = span.attributes;
        assert.equal(a['elkhound.usage.source'], 'estimated');
        assert.equal(a['elkhound.cost.source'], 'estimated');
        const fallback = approximateUsage(chatPromptTexts(messages), [
          'Your order has two items and comes to EUR 42.',
        ]);
        assert.equal(a['gen_ai.usage.input_tokens'], fallback?.inputTokens);
        assert.equal(a['gen_ai.usage.output_tokens'], fallback?.outputTokens);
        // Ended when the call ended, not 50 ms later when the fallback was computed.
        assert.ok(epochMs(span.endTime) <= returned + 1, 'the span keeps its real end time');
      } finally {
        await useEstimateWorker(previous).stop();
      }
    });

    it('a failed worker: the span ends with the fallback, once, and the app gets its stream', async () => {
      const previous = useEstimateWorker(new EstimateWorker(join(SCRIPTS, 'failing-worker.cjs')));
      try {
        await streamOnce();
        const span = await settledOnly();
        assert.equal(span.attributes['elkhound.usage.source'], 'estimated');
        assert.ok((span.attributes['gen_ai.usage.input_tokens'] as number) > 0);
        // Once the worker has failed, the span ends with the fallback without waiting.
        resetTelemetry();
        await streamOnce();
        const next = only();
        assert.equal(next.attributes['elkhound.usage.source'], 'estimated');
        assert.equal(next.attributes['elkhound.cost.source'], 'estimated');
      } finally {
        await useEstimateWorker(previous).stop();
      }
    });
  });
}

describe('a process that exits right after its call (node --require @elkhound/auto-register)', function () {
  this.timeout(60_000);
  const provider = new FakeOpenAI();
  const receiver = new OtlpJsonReceiver();
  before(async () => {
    await provider.start();
    await receiver.start();
  });
  after(async () => {
    await provider.stop();
    await receiver.stop();
  });

  it('the span waiting for its estimate ends with the fallback before the flush, and is exported', async () => {
    const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--require', '@elkhound/auto-register', join(SCRIPTS, 'exit-at-once.cjs')],
        {
          cwd: join(__dirname, '..'),
          env: {
            ...process.env,
            FAKE_OPENAI_URL: provider.baseURL,
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
            OTEL_SERVICE_NAME: 'estimate-exit-test',
            OTEL_METRICS_EXPORTER: 'none',
            OTEL_LOGS_EXPORTER: 'none',
            OTEL_BSP_SCHEDULE_DELAY: '60000',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, text });
      });
    });
    assert.equal(output.code, 0, output.text);
    assert.match(output.text, /Your order has two items/);
    const spans = receiver.spans().filter((span) => span.name === 'chat gpt-4o-mini');
    assert.equal(spans.length, 1, `one span exported\n${output.text}`);
    const span = spans[0]!;
    assert.equal(otlpAttribute(span, 'elkhound.usage.source'), 'estimated');
    assert.ok(Number(otlpAttribute(span, 'gen_ai.usage.input_tokens')) > 0);
    assert.ok(Number(otlpAttribute(span, 'elkhound.cost.total')) > 0);
  });
});
