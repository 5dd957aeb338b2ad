// Main-thread CPU µs per call of a chat completion with a ~3,000-token prompt whose response reports no usage,
// through the real openai SDK (an in-process fetch answers) and GenAIInstrumentation behind the
// real OpenTelemetry SDK: with the estimate (ELKHOUND_USAGE_ESTIMATE on, the default) and without
// (off: the span ends unpriced, no_usage). The two alternate in rounds in one process; the
// prompts vary per call (200 different texts), so the tokenizer's cache does not flatter it.
// The counting happens in the estimate worker thread: process.threadCpuUsage() measures the
// application's (main) thread only. Also, in fresh child processes (bench/estimate-first.ts),
// the event-loop delay around the first estimate and the time until its span is exported, with
// the worker and with the count done inline on the main thread (the behaviour before the worker).
// Run: cd packages/instrumentation-genai && node --import tsx bench/estimate.ts
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { fixture } from '@elkhound/test-support';

const CALLS = Number(process.env.CALLS ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 7);

const here = createRequire(__filename);
const { GenAIInstrumentation } = here(join(__dirname, '..', 'dist')) as typeof import('../src');
const { estimatesSettled } = here(
  join(__dirname, '..', 'dist', 'estimator.js'),
) as typeof import('../src/estimator');
const estimate = here(
  join(__dirname, '..', 'dist', 'estimate.js'),
) as typeof import('../src/estimate');

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
const instrumentation = new GenAIInstrumentation();
instrumentation.setTracerProvider(tracerProvider);
const OpenAI = (here('openai') as typeof import('openai')).default;

// The fixture's completion without its usage: what a server that reports none answers.
const completion = JSON.parse(fixture('openai/chat-completion.json')) as Record<string, unknown>;
delete completion.usage;
const answer = JSON.stringify(completion);
const client = new OpenAI({
  apiKey: 'sk-bench',
  maxRetries: 0,
  fetch: (async () =>
    new Response(answer, { headers: { 'content-type': 'application/json' } })) as never,
});

/** Deterministic prose of about `tokens` o200k tokens, different for each seed. */
function prose(seed: number, tokens: number): string {
  const words =
    'order shipping invoice refund the customer asked whether a parcel could arrive before Friday, and our policy says 14 days; returns are free within the EU. Größe naïve café 2026-11-22 {"sku": "A-42", "qty": 3} warehouse carrier tracking delayed'.split(
      ' ',
    );
  let state = seed * 2654435761 + 1;
  let text = '';
  while (text.length < tokens * 4.85) {
    state = (state * 1103515245 + 12345) % 2147483648;
    text += `${words[state % words.length]} `;
  }
  return text;
}
const PROMPTS = Array.from({ length: 200 }, (_, seed) => prose(seed, 3000));

let next = 0;
async function calls(count: number): Promise<number> {
  const start = process.threadCpuUsage();
  for (let index = 0; index < count; index++) {
    const content = PROMPTS[next++ % PROMPTS.length] as string;
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are the support assistant of an online shop.' },
        { role: 'user', content },
      ],
    });
  }
  // Spans wait for their counts: the wait is not the app's, but the replies' handling is.
  await estimatesSettled();
  const used = process.threadCpuUsage(start);
  return (used.user + used.system) / count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  // As a server's sockets would: the estimate worker and its timers are unref'd.
  const alive = setInterval(() => undefined, 1_000);
  const loadStart = performance.now();
  const sample = estimate.estimateUsage(
    'gpt-4o-mini',
    { texts: [PROMPTS[0]!], framingTokens: 0 },
    [],
  );
  const loadMs = performance.now() - loadStart;
  const tokens = PROMPTS.map(
    (text) =>
      estimate.estimateUsage('gpt-4o-mini', { texts: [text], framingTokens: 0 }, [])!.inputTokens,
  );
  const samples = { on: [] as number[], off: [] as number[] };
  for (const setting of ['on', 'off'] as const) {
    instrumentation.setConfig({ estimateUsage: setting === 'on' });
    await calls(100);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const setting of ['on', 'off'] as const) {
      instrumentation.setConfig({ estimateUsage: setting === 'on' });
      samples[setting].push(await calls(CALLS));
    }
  }
  await tracerProvider.forceFlush();
  const on = median(samples.on);
  const off = median(samples.off);
  const range = (values: number[]) =>
    `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
  console.log(
    `\n## Usage estimate: a ~3,000-token prompt without usage in the response (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, medians of ${ROUNDS} rounds of ${CALLS} calls)`,
  );
  console.log(
    `prompt: ${Math.min(...tokens)}–${Math.max(...tokens)} o200k tokens (200 texts); first estimate, with the o200k encoding load: ${loadMs.toFixed(0)} ms (${sample?.inputTokens} tokens)`,
  );
  console.log('| openai SDK + Elkhound, per call | µs main-thread CPU (median) | range |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| estimate off (span unpriced, no_usage) | ${off.toFixed(0)} | ${range(samples.off)} |`,
  );
  console.log(
    `| estimate on (o200k, counted in the worker thread) | ${on.toFixed(0)} | ${range(samples.on)} |`,
  );
  console.log(`| **the estimate** | **${(on - off).toFixed(0)}** | |`);
  await tracerProvider.shutdown();
  await firstEstimates();
  clearInterval(alive);
}

const FIRST_RUNS = Number(process.env.FIRST_RUNS ?? 5);

/** bench/estimate-first.ts in fresh processes, inline and worker alternating. */
async function firstEstimates(): Promise<void> {
  const { execFileSync } = here('node:child_process') as typeof import('node:child_process');
  const results = { inline: [] as FirstResult[], worker: [] as FirstResult[] };
  for (let run = 0; run < FIRST_RUNS; run++) {
    for (const mode of ['inline', 'worker'] as const) {
      const output = execFileSync(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'estimate-first.ts'), mode],
        { cwd: join(__dirname, '..'), encoding: 'utf8' },
      );
      results[mode].push(JSON.parse(output.trim().split('\n').pop() as string) as FirstResult);
    }
  }
  const cell = (values: number[]) =>
    `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;
  console.log(
    `\n## The first estimate of a process: event-loop delay and time until the span is exported (median (range) of ${FIRST_RUNS} fresh processes each, alternating)`,
  );
  console.log(
    '| count done | gap between 5 ms ticks: max, ms | p99, ms | monitorEventLoopDelay max, ms | p99, ms | first span exported after the call, ms | later spans (median of 20), ms |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of ['inline', 'worker'] as const) {
    const rows = results[mode];
    console.log(
      `| ${mode === 'inline' ? 'inline on the main thread (before)' : 'in the worker thread (now)'} | ${cell(rows.map((row) => row.gapMaxMs))} | ${cell(rows.map((row) => row.gapP99Ms))} | ${cell(rows.map((row) => row.maxMs))} | ${cell(rows.map((row) => row.p99Ms))} | ${cell(rows.map((row) => row.firstExportMs))} | ${cell(rows.map((row) => row.laterExportMs))} |`,
    );
  }
}

interface FirstResult {
  gapMaxMs: number;
  gapP99Ms: number;
  maxMs: number;
  p99Ms: number;
  firstExportMs: number;
  laterExportMs: number;
}

void main();
