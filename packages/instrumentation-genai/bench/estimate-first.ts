// One fresh process (run by bench/estimate.ts): the event-loop delay around the first estimate
// of the process (perf_hooks.monitorEventLoopDelay, 10 ms resolution) and how long after the call
// returned its span is exported, then the same for 20 later calls. Mode `worker`: as shipped (the
// count in the estimate worker thread); mode `inline`: the count done on the main thread when the
// span ends (the behaviour before the worker), for comparison. Prints one JSON line.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { fixture } from '@elkhound/test-support';

const mode = process.argv[2] === 'inline' ? 'inline' : 'worker';
const here = createRequire(__filename);
const dist = join(__dirname, '..', 'dist');
const { GenAIInstrumentation } = here(dist) as typeof import('../src');
const estimator = here(join(dist, 'estimator.js')) as typeof import('../src/estimator');
const { estimateUsage } = here(join(dist, 'estimate.js')) as typeof import('../src/estimate');

if (mode === 'inline') {
  class InlineEstimate extends estimator.EstimateWorker {
    override estimate(
      ...[model, prompt, outputs, , done]: Parameters<estimator.EstimateWorker['estimate']>
    ): void {
      done(estimateUsage(model, prompt, outputs), 'tokenizer');
    }
  }
  estimator.useEstimateWorker(new InlineEstimate());
}

let exportedAt = 0;
const tracerProvider = new TracerProvider({
  spanProcessors: [
    new SimpleSpanProcessor({
      exporter: {
        export: (_spans, done) => {
          exportedAt = performance.now();
          done({ code: 0 });
        },
        shutdown: async () => undefined,
      },
    }),
  ],
});
const instrumentation = new GenAIInstrumentation();
instrumentation.setTracerProvider(tracerProvider);
const OpenAI = (here('openai') as typeof import('openai')).default;
const completion = JSON.parse(fixture('openai/chat-completion.json')) as Record<string, unknown>;
delete completion.usage;
const answer = JSON.stringify(completion);
const client = new OpenAI({
  apiKey: 'sk-bench',
  maxRetries: 0,
  fetch: (async () =>
    new Response(answer, { headers: { 'content-type': 'application/json' } })) as never,
});
const content =
  'order shipping invoice refund the customer asked whether a parcel could arrive. '.repeat(150);

/** One call; ms from its return until its span is exported. */
async function call(): Promise<number> {
  exportedAt = 0;
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `${Math.random()} ${content}` }],
  });
  const returned = performance.now();
  await estimator.estimatesSettled();
  while (exportedAt === 0) await new Promise((resolve) => setImmediate(resolve));
  return Math.max(0, exportedAt - returned);
}

async function main(): Promise<void> {
  // As a server's sockets would: the estimate worker and its timers are unref'd.
  const alive = setInterval(() => undefined, 1_000);
  // The SDK's own first-call costs, without an estimate.
  instrumentation.setConfig({ estimateUsage: false });
  await call();
  instrumentation.setConfig({ estimateTimeoutMs: 5_000 });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // A second probe: the gaps between the ticks of a 5 ms interval, minus 5 ms.
  const gaps: number[] = [];
  let lastTick = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    gaps.push(Math.max(0, now - lastTick - 5));
    lastTick = now;
  }, 5);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const firstExportMs = await call();
  await new Promise((resolve) => setTimeout(resolve, 50));
  delay.disable();
  clearInterval(probe);
  gaps.sort((a, b) => a - b);
  const later: number[] = [];
  for (let index = 0; index < 20; index++) later.push(await call());
  later.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      maxMs: delay.max / 1e6,
      p99Ms: delay.percentile(99) / 1e6,
      gapMaxMs: gaps[gaps.length - 1] ?? 0,
      gapP99Ms: gaps[Math.floor(gaps.length * 0.99)] ?? 0,
      firstExportMs,
      laterExportMs: later[10],
    }),
  );
  await tracerProvider.shutdown();
  clearInterval(alive);
}

void main();
