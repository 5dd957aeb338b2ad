import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  elasticsearchClient,
  FakeAnthropic,
  FakeOpenAI,
  OtlpJsonReceiver,
  otlpAttribute,
} from '@elkhound/test-support';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** Runs `node <args>` in an example's folder, as its README says; resolves with its output. */
function run(
  example: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: join(EXAMPLES, example),
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('examples/ run as their READMEs say', function () {
  this.timeout(90_000);
  const openai = new FakeOpenAI();
  const anthropic = new FakeAnthropic();
  let receiver: OtlpJsonReceiver;
  let otlp: Record<string, string>;

  before(async () => {
    await openai.start();
    await anthropic.start();
  });
  after(async () => {
    await openai.stop();
    await anthropic.stop();
  });
  beforeEach(async () => {
    receiver = new OtlpJsonReceiver();
    await receiver.start();
    otlp = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_SERVICE_NAME: 'example',
    };
  });
  afterEach(() => receiver.stop());

  it('openai-require: node --require @elkhound/auto-register app.js exports its two GenAI spans', async () => {
    const result = await run('openai-require', ['--require', '@elkhound/auto-register', 'app.js'], {
      ...otlp,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: openai.baseURL,
    });
    assert.equal(result.code, 0, result.output);
    const spans = receiver.spans().filter((span) => span.name === 'chat gpt-4o-mini');
    assert.equal(spans.length, 2, result.output);
    assert.equal(
      otlpAttribute(spans[0] as (typeof spans)[number], 'gen_ai.usage.input_tokens'),
      1240,
    );
    assert.equal(otlpAttribute(spans[1] as (typeof spans)[number], 'gen_ai.request.stream'), true);
    assert.ok(Number(otlpAttribute(spans[0] as (typeof spans)[number], 'elkhound.cost.total')) > 0);
  });

  it('anthropic-esm: node --import @elkhound/auto-register app.mjs exports a span per call, messages.stream() included', async () => {
    const result = await run('anthropic-esm', ['--import', '@elkhound/auto-register', 'app.mjs'], {
      ...otlp,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: anthropic.baseURL,
    });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Your order ships within two business days/);
    const spans = receiver.spans().filter((span) => span.name === 'chat claude-sonnet-4-20250514');
    assert.equal(spans.length, 2, result.output);
    for (const span of spans)
      assert.equal(otlpAttribute(span, 'gen_ai.provider.name'), 'anthropic');
    assert.equal(
      otlpAttribute(spans[1] as (typeof spans)[number], 'gen_ai.usage.output_tokens'),
      15,
    );
  });

  it('custom-nodesdk: the request, the GenAI span and the log land in Elasticsearch under one trace.id', async () => {
    const namespace = `examples${Date.now().toString(36)}`;
    const result = await run('custom-nodesdk', ['--require', './telemetry.js', 'app.js'], {
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL as string,
      ELKHOUND_NAMESPACE: namespace,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: openai.baseURL,
      OTEL_SERVICE_NAME: 'custom-nodesdk-example',
      PORT: '0',
      ONE_REQUEST: '1',
    });
    assert.equal(result.code, 0, result.output);
    const client = elasticsearchClient();
    await client.indices.refresh({
      index: `traces-elkhound-${namespace},logs-elkhound-${namespace}`,
    });
    const found = await client.search<
      Record<string, { name?: string; id?: string } | string | undefined>
    >({
      index: `traces-elkhound-${namespace},logs-elkhound-${namespace}`,
      size: 20,
    });
    const documents = found.hits.hits.map((hit) => hit._source as Record<string, unknown>);
    const request = documents.find(
      (document) => (document.transaction as { id?: string } | undefined)?.id,
    );
    assert.ok(request, `a transaction among ${JSON.stringify(documents).slice(0, 500)}`);
    const traceId = (request.trace as { id: string }).id;
    const chat = documents.find(
      (document) => (document.span as { name?: string } | undefined)?.name === 'chat gpt-4o-mini',
    );
    assert.equal((chat?.trace as { id?: string } | undefined)?.id, traceId);
    assert.equal(
      (chat?.parent as { id?: string } | undefined)?.id,
      (request.span as { id: string }).id,
    );
    const log = documents.find(
      (document) =>
        typeof document.message === 'string' && /answered \/summary/.test(document.message),
    );
    assert.equal((log?.trace as { id?: string } | undefined)?.id, traceId);
    await client.close();
  });
});
