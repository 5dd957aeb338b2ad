// The floor under any GenAI instrumentation that does what the conventions and issue 3 require:
// one CLIENT span with the GenAI attributes (ended and batch-exported), and the GenAI metrics
// (operation duration, input and output token usage, cost) — measured with the OpenTelemetry SDK
// alone, no Elkhound code, so the overhead bar can be read against what the SDK itself costs.
// Run: cd packages/instrumentation-genai && node --import tsx bench/floor.ts
import { cpus } from 'node:os';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

class DiscardingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const tracerProvider = new TracerProvider({
  spanProcessors: [
    new BatchSpanProcessor({
      exporter: {
        export: (_spans, done) => setImmediate(() => done({ code: 0 })),
        shutdown: async () => undefined,
      },
      maxQueueSize: 100_000,
    }),
  ],
});
const tracer = tracerProvider.getTracer('floor');
const meter = new MeterProvider({ readers: [new DiscardingReader()] }).getMeter('floor');
const duration = meter.createHistogram('gen_ai.client.operation.duration');
const tokens = meter.createHistogram('gen_ai.client.token.usage');
const cost = meter.createHistogram('elkhound.gen_ai.client.cost');
const perChunk = meter.createHistogram('gen_ai.client.operation.time_per_output_chunk');

const START = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'server.address': 'api.openai.com',
  'server.port': 443,
  'gen_ai.request.stream': false,
};
const METRIC = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'server.address': 'api.openai.com',
  'server.port': 443,
};

function span(index: number): void {
  const started = tracer.startSpan('chat gpt-4o-mini', { kind: 2, attributes: START });
  started.setAttributes({
    'gen_ai.response.id': `chatcmpl-${index}`,
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.usage.input_tokens': 1240,
    'gen_ai.usage.output_tokens': 96,
    'gen_ai.usage.cache_read.input_tokens': 1024,
    'elkhound.cost.total': 0.0002,
    'elkhound.cost.input': 0.00015,
    'elkhound.cost.output': 0.00005,
    'elkhound.cost.currency': 'USD',
    'elkhound.pricing.version': '0.0.40',
    'elkhound.prompt.hash': 'sha256:3f',
    'elkhound.completion.hash': 'sha256:9c',
  });
  started.end();
}

function metrics(): void {
  duration.record(0.5, METRIC);
  tokens.record(1240, { ...METRIC, 'gen_ai.token.type': 'input' });
  tokens.record(96, { ...METRIC, 'gen_ai.token.type': 'output' });
  cost.record(0.0002, METRIC);
}

/** The conventions' required attributes of the per-chunk metric (operation, provider, model). */
const CHUNK = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
};

function chunk(): void {
  perChunk.record(0.01, CHUNK);
}

/** CPU µs per call of `work`: the median of five rounds after a warm-up. */
async function measure(work: (index: number) => void, rounds = 20_000): Promise<number> {
  for (let index = 0; index < rounds; index++) work(index);
  await tracerProvider.forceFlush();
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let index = 0; index < rounds; index++) work(index);
    await tracerProvider.forceFlush();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / rounds);
  }
  samples.sort((a, b) => a - b);
  return samples[2] as number;
}

async function main(): Promise<void> {
  const spanCost = await measure(span);
  const metricsCost = await measure(metrics);
  const chunkCost = await measure(chunk);
  console.log(
    `\n## The OpenTelemetry SDK's own floor (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, medians of 5 rounds)`,
  );
  console.log('| work the conventions require | µs CPU |');
  console.log('| --- | ---: |');
  console.log(
    `| one GenAI CLIENT span: 6 start + 13 response attributes, ended, batch-exported | ${spanCost.toFixed(2)} |`,
  );
  console.log(
    `| the call's metrics: duration, input and output tokens, cost (4 recordings) | ${metricsCost.toFixed(2)} |`,
  );
  console.log(`| **per call, together** | **${(spanCost + metricsCost).toFixed(2)}** |`);
  console.log(
    `| one time-per-output-chunk recording with its 3 required attributes (per chunk) | ${chunkCost.toFixed(2)} |`,
  );
  await tracerProvider.shutdown();
}

void main();
