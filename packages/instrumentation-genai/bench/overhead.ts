// Added CPU time of GenAIInstrumentation per non-streaming call and per stream chunk, against the
// bare openai SDK, on an in-process transport (a fetch that answers from the fixture files), with
// the real OpenTelemetry SDK behind it (batch span processor, metrics, logs).
// Run: cd packages/instrumentation-genai && node --import tsx bench/overhead.ts
import { createRequire } from 'node:module';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { fixture } from '@elkhound/test-support';
// The compiled package, as applications load it.
import { GenAIInstrumentation } from '../dist';

class DiscardingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
const discard: SpanExporter = {
  // Answered on the next turn, as a real exporter does (a synchronous answer leaves the batch
  // processor's export timer running).
  export: (_spans, done) => setImmediate(() => done({ code: 0 })),
  shutdown: async () => undefined,
};

const instrumentation = new GenAIInstrumentation();
instrumentation.setTracerProvider(
  new TracerProvider({
    spanProcessors: [new BatchSpanProcessor(discard, { maxQueueSize: 100_000 })],
  }),
);
const reader = new DiscardingReader();
instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
const OpenAI = (createRequire(__filename)('openai') as typeof import('openai')).default;

const completion = fixture('openai/chat-completion.json');
const chunkEvents = fixture('openai/chat-stream.sse')
  .split('\n\n')
  .filter((event) => event.trim());
const middle = chunkEvents[2] as string;
const CHUNKS = Number(process.env.CHUNKS ?? 200);
// A long stream: the role chunk, 200 content chunks, the finish and usage chunks, [DONE].
const longStream =
  [chunkEvents[0], ...Array.from({ length: CHUNKS }, () => middle), ...chunkEvents.slice(-3)].join(
    '\n\n',
  ) + '\n\n';
const headers = { 'content-type': 'application/json', 'x-request-id': 'req_bench' };

const client = new OpenAI({
  apiKey: 'sk-bench',
  maxRetries: 0,
  fetch: async (_url, init) => {
    const body = JSON.parse(String(init?.body)) as { stream?: boolean };
    return body.stream
      ? new Response(longStream, { headers: { ...headers, 'content-type': 'text/event-stream' } })
      : new Response(completion, { headers });
  },
});
const messages = [
  { role: 'system' as const, content: 'You are the checkout assistant.' },
  { role: 'user' as const, content: 'Summarise my order' },
];

async function plainCalls(count: number): Promise<number> {
  const start = process.cpuUsage();
  for (let index = 0; index < count; index++)
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

async function streams(count: number): Promise<number> {
  const start = process.cpuUsage();
  for (let index = 0; index < count; index++) {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) void chunk;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

async function measure(enabled: boolean, run: () => Promise<number>): Promise<number> {
  if (enabled) instrumentation.enable();
  else instrumentation.disable();
  const samples: number[] = [];
  for (let round = 0; round < 7; round++) {
    samples.push(await run());
    await reader.collect();
  }
  samples.sort((a, b) => a - b);
  return samples[3] as number; // median of 7 rounds
}

async function main(): Promise<void> {
  // Warm up both paths.
  for (const enabled of [false, true]) {
    if (enabled) instrumentation.enable();
    else instrumentation.disable();
    await plainCalls(2_000);
    await streams(100);
  }
  const CALLS = 4_000;
  const STREAMS = 150;
  const barePlain = await measure(false, () => plainCalls(CALLS));
  const withPlain = await measure(true, () => plainCalls(CALLS));
  const bareStream = await measure(false, () => streams(STREAMS));
  const withStream = await measure(true, () => streams(STREAMS));
  const chunksPerStream = CHUNKS + 4;
  console.log(
    `openai ${(createRequire(__filename)('openai/version') as { VERSION: string }).VERSION}, in-process fetch, median of 7 rounds`,
  );
  console.log(
    `non-streaming call: bare ${barePlain.toFixed(1)} µs, instrumented ${withPlain.toFixed(1)} µs, added ${(withPlain - barePlain).toFixed(1)} µs CPU per call`,
  );
  console.log(
    `stream of ${chunksPerStream} chunks: bare ${bareStream.toFixed(0)} µs, instrumented ${withStream.toFixed(0)} µs, added ${((withStream - bareStream) / chunksPerStream).toFixed(2)} µs CPU per chunk (span and per-call work spread over the chunks)`,
  );
}

void main();
