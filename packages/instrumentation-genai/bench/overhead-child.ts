// One variant of the overhead benchmark in a process of its own (instrumentations patch the same
// module: side by side in one process they would stack). Prints one JSON line: CPU µs per
// non-streaming call and per stream, medians of the rounds, and the spans the variant exported.
// Run by overhead.ts: node --import tsx bench/overhead-child.ts <variant> <openai-major>
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
} from '@opentelemetry/sdk-logs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { fixture } from '@elkhound/test-support';
import { loadVersions } from '../test/support/sdks';

type Variant = 'bare' | 'elkhound' | 'otel' | 'otel-content' | 'traceloop' | 'traceloop-content';
const variant = process.argv[2] as Variant;
const major = process.argv[3] ?? '7';
const CALLS = Number(process.env.CALLS ?? 3000);
const STREAMS = Number(process.env.STREAMS ?? 120);
const CHUNKS = Number(process.env.CHUNKS ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

class DiscardingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
let exported = 0;
const discard: SpanExporter = {
  // Answered on the next turn, as a real exporter does.
  export: (spans, done) => {
    exported += spans.length;
    setImmediate(() => done({ code: 0 }));
  },
  shutdown: async () => undefined,
};
const discardLogs: LogRecordExporter = {
  export: (_records, done) => setImmediate(() => done({ code: 0 })),
  shutdown: async () => undefined,
};
const tracerProvider = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 100_000 })],
});
const reader = new DiscardingReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const loggerProvider = new LoggerProvider({
  processors: [new SimpleLogRecordProcessor({ exporter: discardLogs })],
});

const here = createRequire(__filename);
function instrumentationOf(name: Variant): Instrumentation | undefined {
  switch (name) {
    case 'elkhound': {
      // The compiled package, as applications load it.
      const { GenAIInstrumentation } = here(
        join(__dirname, '..', 'dist'),
      ) as typeof import('../src');
      return new GenAIInstrumentation();
    }
    case 'otel':
    case 'otel-content': {
      const { OpenAIInstrumentation } = here(
        '@opentelemetry/instrumentation-openai',
      ) as typeof import('@opentelemetry/instrumentation-openai');
      return new OpenAIInstrumentation({ captureMessageContent: name === 'otel-content' });
    }
    case 'traceloop':
    case 'traceloop-content': {
      const { OpenAIInstrumentation } = here(
        '@traceloop/instrumentation-openai',
      ) as typeof import('@traceloop/instrumentation-openai');
      return new OpenAIInstrumentation({ traceContent: name === 'traceloop-content' });
    }
    default:
      return undefined;
  }
}
const instrumentation = instrumentationOf(variant);
instrumentation?.setTracerProvider(tracerProvider);
instrumentation?.setMeterProvider(meterProvider);
(
  instrumentation as { setLoggerProvider?: (provider: LoggerProvider) => void } | undefined
)?.setLoggerProvider?.(loggerProvider);

// Loaded after the instrumentation, as with --require: the oldest (v4) or the newest major.
const sdk = loadVersions<typeof import('openai')>('openai', 'openai-v4').find(
  (candidate) => String(candidate.major) === major,
);
if (!sdk) throw new Error(`no openai ${major} in the workspace`);
const OpenAI = sdk.module.default;

const completion = fixture('openai/chat-completion.json');
const chunkEvents = fixture('openai/chat-stream.sse')
  .split('\n\n')
  .filter((event) => event.trim());
const middle = chunkEvents[2] as string;
// A long stream: the role chunk, CHUNKS content chunks, the finish and usage chunks, [DONE].
const longStream =
  [chunkEvents[0], ...Array.from({ length: CHUNKS }, () => middle), ...chunkEvents.slice(-3)].join(
    '\n\n',
  ) + '\n\n';
const headers = { 'content-type': 'application/json', 'x-request-id': 'req_bench' };
const client = new OpenAI({
  apiKey: 'sk-bench',
  maxRetries: 0,
  fetch: (async (_url: unknown, init?: { body?: unknown }) => {
    const body = JSON.parse(String(init?.body)) as { stream?: boolean };
    return body.stream
      ? new Response(longStream, { headers: { ...headers, 'content-type': 'text/event-stream' } })
      : new Response(completion, { headers });
  }) as never,
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

async function median(run: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    samples.push(await run());
    await reader.collect();
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

async function main(): Promise<void> {
  await plainCalls(1500);
  await streams(60);
  const plain = await median(() => plainCalls(CALLS));
  const stream = await median(() => streams(STREAMS));
  await tracerProvider.forceFlush();
  process.stdout.write(
    `${JSON.stringify({ variant, openai: sdk?.version, plain, stream, chunks: CHUNKS + 4, spans: exported })}\n`,
  );
  await tracerProvider.shutdown();
}

void main();
