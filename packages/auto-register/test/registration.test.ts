import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  FakeOpenAI,
  OtlpJsonReceiver as Receiver,
  otlpAttribute as attribute,
  type OtlpJsonLogRecord,
  type OtlpJsonSpan,
} from '@elkhound/test-support';

function run(
  flag: '--require' | '--import',
  app: string,
  env: Record<string, string>,
  onOutput?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [flag, '@elkhound/auto-register', join(__dirname, 'fixtures', app)],
      {
        cwd: join(__dirname, '..'),
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      onOutput?.(output, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

describe('@elkhound/auto-register in real processes', function () {
  this.timeout(60_000);
  const provider = new FakeOpenAI();
  let receiver: Receiver;
  let env: Record<string, string>;

  before(() => provider.start());
  after(() => provider.stop());
  beforeEach(async () => {
    receiver = new Receiver();
    await receiver.start();
    env = {
      FAKE_OPENAI_URL: provider.baseURL,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'registration-test',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    };
  });
  afterEach(() => receiver.stop());

  it('node --require: a CommonJS app exports its GenAI span, flushed once on a normal exit', async () => {
    const result = await run('--require', 'app.cjs', env);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Your order has two items/);
    const spans = receiver.spans().filter((span) => span.name === 'chat gpt-4o-mini');
    assert.equal(spans.length, 1, 'exactly one span, flushed once');
    const span = spans[0] as OtlpJsonSpan;
    assert.equal(span.kind, 3); // CLIENT in OTLP numbering
    assert.equal(attribute(span, 'gen_ai.usage.input_tokens'), 1240);
    assert.match(String(attribute(span, 'elkhound.prompt.hash')), /^sha256:/);
    assert.ok(Number(attribute(span, 'elkhound.cost.total')) > 0);
  });

  it('node --import: an ES module app (import OpenAI from "openai") is patched too, streaming included', async () => {
    const result = await run('--import', 'app.mjs', env);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Your order has two items and comes to EUR 42\./);
    const spans = receiver.spans().filter((span) => span.name === 'chat gpt-4o-mini');
    assert.equal(spans.length, 1, result.output);
    assert.equal(attribute(spans[0] as OtlpJsonSpan, 'gen_ai.request.stream'), true);
    assert.equal(attribute(spans[0] as OtlpJsonSpan, 'gen_ai.usage.output_tokens'), 96);
  });

  it('flushes on SIGTERM, then ends the process by that signal as it would have ended', async () => {
    let signalled = false;
    const result = await run(
      '--require',
      'app.cjs',
      { ...env, WAIT_FOR_SIGNAL: '1' },
      (output, child) => {
        if (!signalled && output.includes('ready')) {
          signalled = true;
          child.kill('SIGTERM');
        }
      },
    );
    assert.equal(result.signal, 'SIGTERM', result.output);
    assert.equal(receiver.spans().filter((span) => span.name === 'chat gpt-4o-mini').length, 1);
  });

  it('starts nothing with OTEL_SDK_DISABLED=true', async () => {
    const result = await run('--require', 'app.cjs', { ...env, OTEL_SDK_DISABLED: 'true' });
    assert.equal(result.code, 0, result.output);
    assert.equal(receiver.spans().length, 0);
  });

  describe('elkhound.transaction.id and the exporters of OTEL_*', () => {
    const TXN = 'elkhound.transaction.id';
    const byName = (name: string) => receiver.spans().find((span) => span.name === name);
    const byBody = (body: string) =>
      receiver.logRecords().find((record) => record.body?.stringValue === body);
    /** The transaction app under `--require`, with `env` and `extra`; it must exit 0. */
    const runApp = async (extra: Record<string, string> = {}) => {
      const result = await run('--require', 'transaction.cjs', { ...env, ...extra });
      assert.equal(result.code, 0, result.output);
      return result;
    };

    it('a log written inside a child span, and the spans under the root, carry the root span id (http/json)', async () => {
      const result = await runApp();
      const root = byName('handle order');
      const child = byName('summarise');
      const llm = byName('chat gpt-4o-mini');
      assert.ok(root && child && llm, result.output);
      assert.match(root.spanId, /^[0-9a-f]{16}$/);
      assert.equal(attribute(root, TXN), undefined, 'the entry span carries nothing');
      assert.equal(attribute(child, TXN), root.spanId);
      assert.equal(child.parentSpanId, root.spanId);
      assert.equal(attribute(llm, TXN), root.spanId, 'the GenAI span under the child');
      // The cost processor: a framework's model call that Elkhound did not see gets its cost.
      const framework = byName('chat framework-call');
      assert.ok(framework, result.output);
      const cost = Number(attribute(framework, 'elkhound.cost.total'));
      assert.ok(cost > 0, `framework call priced: ${cost}`);
      assert.ok(Number(attribute(llm, 'elkhound.cost.total')) > 0, 'Elkhound’s own span priced');
      const inside = byBody('inside the child span') as OtlpJsonLogRecord;
      assert.ok(inside, JSON.stringify(receiver.logRecords()));
      assert.equal(inside.spanId, child.spanId);
      assert.equal(attribute(inside, TXN), root.spanId);
      const outside = byBody('outside any span') as OtlpJsonLogRecord;
      assert.ok(outside);
      assert.equal(attribute(outside, TXN), undefined);
      assert.deepEqual(
        [...new Set(receiver.contentTypes['/v1/traces'])],
        ['application/json'],
        'traces in http/json',
      );
      assert.deepEqual([...new Set(receiver.contentTypes['/v1/logs'])], ['application/json']);
    });

    it('honours OTEL_EXPORTER_OTLP_PROTOCOL and the per-signal protocols (http/protobuf)', async () => {
      await runApp({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
      });
      assert.deepEqual(
        [...new Set(receiver.contentTypes['/v1/traces'])],
        ['application/x-protobuf'],
      );
      assert.deepEqual([...new Set(receiver.contentTypes['/v1/logs'])], ['application/json']);
      assert.ok(byBody('inside the child span'));
    });

    it('OTEL_TRACES_EXPORTER=none: no spans (no tracer provider), logs still exported, without a transaction id', async () => {
      const result = await runApp({ OTEL_TRACES_EXPORTER: 'none' });
      assert.match(result.output, /Your order has two items/);
      assert.equal(receiver.contentTypes['/v1/traces'], undefined);
      const inside = byBody('inside the child span');
      assert.ok(inside, JSON.stringify(receiver.bodies));
      // No tracer provider: the API's spans are non-recording, with an invalid context.
      assert.ok(!inside.spanId);
      assert.equal(attribute(inside, TXN), undefined);
    });

    it('OTEL_LOGS_EXPORTER=none: no logs (no logger provider), spans still stamped', async () => {
      await runApp({ OTEL_LOGS_EXPORTER: 'none' });
      assert.equal(receiver.contentTypes['/v1/logs'], undefined);
      const root = byName('handle order');
      assert.ok(root);
      assert.equal(attribute(byName('summarise') as OtlpJsonSpan, TXN), root.spanId);
    });

    it('OTEL_TRACES_EXPORTER=none and OTEL_LOGS_EXPORTER=none: nothing sent, the app runs as before', async () => {
      const result = await runApp({ OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
      assert.match(result.output, /Your order has two items/);
      assert.deepEqual(receiver.contentTypes, {});
    });
  });
});
