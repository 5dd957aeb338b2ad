// One variant of the overhead benchmark in a process of its own (instrumentations patch the same
// module: side by side in one process they would stack). Prints one JSON line: CPU µs per
// non-streaming call, per stream and per stream chunk, medians of the rounds, and the spans the
// variant exported.
//
// Per chunk is read from two stream lengths in this one process: short streams (CHUNKS / 4
// content events) and long ones (CHUNKS), alternating, each timed on its own; per chunk = (CPU
// of a long stream − CPU of the short one of the same turn) / the content events between them,
// so what a stream costs whatever its length (the request, the span, the stream's end) cancels.
// What the instrumentation adds per chunk is read in this process too: beside the SDK's call,
// the SDK's own stream decoder (`Stream.fromSSEResponse`, which the call returns and no
// instrumentation patches) reads the same bodies at both lengths, interleaved with the calls;
// added per chunk = the call's per chunk − the decoder's. The bare SDK's per-chunk CPU drifts
// between processes and minutes by up to ~50 % (~4 µs per chunk; the load of a shared machine,
// the heap, where the JIT went), several times what any instrumentation adds; read within one
// process, stream by stream, that drift falls on both sides alike. Each figure is the median
// over a round's turns (a turn: one stream of each kind), not their mean: a garbage collection
// pauses whichever stream is running, and a major one (several ms) on one stream moved a round's
// mean by ±2 µs per chunk. So the per-chunk figures leave out garbage collection (the calls'
// and streams' figures keep it). @google/genai's decoder is internal: there added per chunk is
// left to overhead.ts (against the bare SDK's process).
// Run by overhead.ts: node --import tsx bench/overhead-child.ts <variant> <4 | 7 | anthropic | google>
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
import { copyOldest, installedVersion, loadVersions } from '../test/support/sdks';

type Variant =
  | 'bare'
  | 'elkhound'
  | 'elkhound-lean'
  | 'otel'
  | 'otel-content'
  | 'traceloop'
  | 'traceloop-content';
// `<variant>@baseline` runs Elkhound's variant from another build (ELKHOUND_BASELINE_DIST, e.g.
// the dist of main in a git worktree of its own), to compare a change with what it replaces.
const [variantName, build] = (process.argv[2] as string).split('@') as [Variant, string?];
const variant = variantName;
const elkhoundDist =
  build === 'baseline' && process.env.ELKHOUND_BASELINE_DIST
    ? process.env.ELKHOUND_BASELINE_DIST
    : (process.env.ELKHOUND_DIST ?? join(__dirname, '..', 'dist'));
const major = process.argv[3] ?? '7';
const CALLS = Number(process.env.CALLS ?? 3000);
/** Turns per round; a turn is one stream of each kind (the call, long and short; the decoder's). */
const STREAMS = Number(process.env.STREAMS ?? 60);
/** Content events of a long stream; a short one has a quarter of them. */
const CHUNKS = Number(process.env.CHUNKS ?? 200);
const SHORT_CHUNKS = Math.round(CHUNKS / 4);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

class DiscardingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
let exported = 0;
/** Attributes on the exported spans: the SDK validates and stores each one. */
let attributes = 0;
const discard: SpanExporter = {
  // Answered on the next turn, as a real exporter does.
  export: (spans, done) => {
    exported += spans.length;
    for (const span of spans) attributes += Object.keys(span.attributes).length;
    setImmediate(() => done({ code: 0 }));
  },
  shutdown: async () => undefined,
};
const discardLogs: LogRecordExporter = {
  export: (_records, done) => setImmediate(() => done({ code: 0 })),
  forceFlush: async () => undefined,
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
    case 'elkhound':
    case 'elkhound-lean': {
      // The compiled package, as applications load it. Lean: prompt hashing off, and no meter
      // provider (its metrics go to the API's no-op meter), to compare with Traceloop, which
      // neither hashes nor records metrics.
      const { GenAIInstrumentation } = here(elkhoundDist) as typeof import('../src');
      return new GenAIInstrumentation(name === 'elkhound-lean' ? { promptHash: false } : {});
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
if (variant !== 'elkhound-lean') instrumentation?.setMeterProvider(meterProvider);
(
  instrumentation as { setLoggerProvider?: (provider: LoggerProvider) => void } | undefined
)?.setLoggerProvider?.(loggerProvider);

/** One SDK's calls on an in-process transport: what a round repeats. */
interface Workload {
  version: string;
  /** Events in one long stream. */
  chunks: number;
  plain(): Promise<unknown>;
  /** One stream of CHUNKS content events (long) or of SHORT_CHUNKS. */
  stream(long: boolean): Promise<void>;
  /** The same stream's body read by the SDK's own decoder alone (no request, no instrumentation). */
  decode?(long: boolean): Promise<void>;
}

/** The decoder of an SDK's event streams (openai's and Anthropic's `Stream`). */
interface StreamDecoder {
  fromSSEResponse(response: Response, controller: AbortController): AsyncIterable<unknown>;
}

async function decodeWith(decoder: StreamDecoder, body: ReadableStream<Uint8Array>): Promise<void> {
  const response = new Response(body, { headers: { ...JSON_HEADERS, ...SSE } });
  for await (const event of decoder.fromSSEResponse(response, new AbortController())) void event;
}

/** A stream's events at both lengths. */
interface Streams {
  long: Uint8Array[];
  short: Uint8Array[];
}

/**
 * A stream's events, each encoded once: the role/first events, CHUNKS (long) or SHORT_CHUNKS
 * copies of one content event, and the closing events. Served one event per read, as a provider's stream arrives over
 * the network — not as one body, which makes openai 4's SSE reader copy the rest of the body at
 * every event (quadratic, and a garbage-collection load that penalises whoever holds more heap).
 */
function streamsOf(file: string, first: number, middle: number, tail: number): Streams {
  const events = fixture(file)
    .split('\n\n')
    .map((event) => event.replace(/\n+$/, ''))
    .filter((event) => event.trim());
  const content = events[middle] as string;
  const encoder = new TextEncoder();
  const withContent = (count: number): Uint8Array[] =>
    [
      ...events.slice(0, first),
      ...Array.from({ length: count }, () => content),
      ...events.slice(events.length - tail),
    ].map((event) => encoder.encode(`${event}\n\n`));
  return { long: withContent(CHUNKS), short: withContent(SHORT_CHUNKS) };
}

/** A fresh body for one response: one event per pull. */
function eventBody(events: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < events.length) controller.enqueue(events[next++] as Uint8Array);
      else controller.close();
    },
  });
}

const SSE = { 'content-type': 'text/event-stream' };
const JSON_HEADERS = { 'content-type': 'application/json', 'x-request-id': 'req_bench' };

function openaiWorkload(): Workload {
  // Loaded after the instrumentation, as with --require: the oldest (v4) or the newest major.
  const sdk = loadVersions<typeof import('openai')>('openai', 'openai-v4').find(
    (candidate) => String(candidate.major) === major,
  );
  if (!sdk) throw new Error(`no openai ${major} in the workspace`);
  // The decoder from the same copy of the SDK as the client.
  const { Stream } = (
    major === '4' ? createRequire(join(copyOldest('openai', 'openai-v4').root, 'load.js')) : here
  )('openai/streaming') as { Stream: StreamDecoder };
  const completion = fixture('openai/chat-completion.json');
  // The role chunk, CHUNKS content chunks, the finish and usage chunks, [DONE].
  const stream = streamsOf('openai/chat-stream.sse', 1, 2, 3);
  // The length the next stream is served at (the streams run one at a time).
  let length: keyof Streams = 'long';
  const client = new sdk.module.default({
    apiKey: 'sk-bench',
    maxRetries: 0,
    fetch: (async (_url: unknown, init?: { body?: unknown }) => {
      const body = JSON.parse(String(init?.body)) as { stream?: boolean };
      return body.stream
        ? new Response(eventBody(stream[length]), { headers: { ...JSON_HEADERS, ...SSE } })
        : new Response(completion, { headers: JSON_HEADERS });
    }) as never,
  });
  const messages = [
    { role: 'system' as const, content: 'You are the checkout assistant.' },
    { role: 'user' as const, content: 'Summarise my order' },
  ];
  return {
    version: `openai ${sdk.version}`,
    chunks: CHUNKS + 4,
    plain: () => client.chat.completions.create({ model: 'gpt-4o-mini', messages }),
    async stream(long) {
      length = long ? 'long' : 'short';
      const events = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const event of events) void event;
    },
    decode: (long) => decodeWith(Stream, eventBody(long ? stream.long : stream.short)),
  };
}

function anthropicWorkload(): Workload {
  const Anthropic = (here('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk')).default;
  const version = installedVersion('@anthropic-ai/sdk');
  const { Stream } = here('@anthropic-ai/sdk/streaming') as { Stream: StreamDecoder };
  const message = fixture('anthropic/message.json');
  // message_start, content_block_start, CHUNKS text deltas, the stop events.
  const stream = streamsOf('anthropic/message-stream.sse', 2, 3, 3);
  // The length the next stream is served at (the streams run one at a time).
  let length: keyof Streams = 'long';
  const client = new Anthropic({
    apiKey: 'sk-ant-bench',
    maxRetries: 0,
    fetch: (async (_url: unknown, init?: { body?: unknown }) => {
      const body = JSON.parse(String(init?.body)) as { stream?: boolean };
      return body.stream
        ? new Response(eventBody(stream[length]), { headers: { ...JSON_HEADERS, ...SSE } })
        : new Response(message, { headers: JSON_HEADERS });
    }) as never,
  });
  const request = {
    model: 'claude-sonnet-4-20250514',
    max_tokens: 512,
    system: 'You are the checkout assistant.',
    messages: [{ role: 'user' as const, content: 'Summarise my order' }],
  };
  return {
    version: `@anthropic-ai/sdk ${version}`,
    chunks: CHUNKS + 5,
    plain: () => client.messages.create(request),
    async stream(long) {
      length = long ? 'long' : 'short';
      const events = await client.messages.create({ ...request, stream: true });
      for await (const event of events) void event;
    },
    decode: (long) => decodeWith(Stream, eventBody(long ? stream.long : stream.short)),
  };
}

function googleWorkload(): Workload {
  const { GoogleGenAI } = here('@google/genai') as typeof import('@google/genai');
  const version = installedVersion('@google/genai');
  const response = fixture('gemini/generate-content.json');
  // One chunk repeated: each a GenerateContentResponse with a piece of text.
  const stream = streamsOf('gemini/stream-generate-content.sse', 0, 1, 1);
  // The length the next stream is served at (the streams run one at a time).
  let length: keyof Streams = 'long';
  // @google/genai calls the global fetch: answered from memory, no sockets.
  globalThis.fetch = (async (url: unknown) =>
    String(url).includes(':streamGenerateContent')
      ? new Response(eventBody(stream[length]), { headers: SSE })
      : new Response(response, { headers: JSON_HEADERS })) as typeof fetch;
  const ai = new GoogleGenAI({
    apiKey: 'bench-key',
    httpOptions: { baseUrl: 'http://gemini.bench' },
  });
  const request = {
    model: 'gemini-2.5-flash',
    contents: 'Summarise my order',
    config: { systemInstruction: 'You are the checkout assistant.' },
  };
  return {
    version: `@google/genai ${version}`,
    chunks: CHUNKS + 2,
    plain: () => ai.models.generateContent(request),
    async stream(long) {
      length = long ? 'long' : 'short';
      const events = await ai.models.generateContentStream(request);
      for await (const event of events) void event;
    },
  };
}

const workload =
  major === 'anthropic'
    ? anthropicWorkload()
    : major === 'google'
      ? googleWorkload()
      : openaiWorkload();

async function plainCalls(count: number): Promise<number> {
  const start = process.cpuUsage();
  for (let index = 0; index < count; index++) await workload.plain();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

async function cpuOf(run: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** One round of streams: CPU µs per long stream, per content event, and added per event. */
interface StreamRound {
  stream: number;
  chunk: number;
  added?: number;
}

/** The kinds of stream a round interleaves: the call at both lengths, the decoder at both. */
const KINDS = workload.decode
  ? (['call long', 'decode short', 'call short', 'decode long'] as const)
  : (['call long', 'call short'] as const);
type Kind = 'call long' | 'call short' | 'decode long' | 'decode short';

async function streams(turns: number): Promise<StreamRound> {
  const extra = CHUNKS - SHORT_CHUNKS;
  /** Per turn: the call's CPU per content event, and what it adds to the decoder's. */
  const chunks: number[] = [];
  const added: number[] = [];
  let long = 0;
  for (let turn = 0; turn < turns; turn++) {
    const cpu: Partial<Record<Kind, number>> = {};
    // Forwards, then backwards: each kind follows others, so what one stream leaves for the
    // next (its spans' export) does not fall on one kind only.
    const order = turn % 2 === 0 ? KINDS : [...KINDS].reverse();
    for (const kind of order) {
      const isLong = kind.endsWith('long');
      cpu[kind] = await cpuOf(() =>
        kind.startsWith('call')
          ? workload.stream(isLong)
          : (workload.decode as Workload['decode'])!(isLong),
      );
    }
    long += cpu['call long'] as number;
    const chunk = ((cpu['call long'] as number) - (cpu['call short'] as number)) / extra;
    chunks.push(chunk);
    if (workload.decode)
      added.push(
        chunk - ((cpu['decode long'] as number) - (cpu['decode short'] as number)) / extra,
      );
  }
  return {
    stream: long / turns,
    chunk: medianOf(chunks),
    ...(workload.decode ? { added: medianOf(added) } : {}),
  };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function rounds<T>(run: () => Promise<T>): Promise<T[]> {
  const samples: T[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    samples.push(await run());
    await reader.collect();
  }
  return samples;
}

async function main(): Promise<void> {
  await plainCalls(1500);
  await streams(20);
  const plain = medianOf(await rounds(() => plainCalls(CALLS)));
  const streamRounds = await rounds(() => streams(STREAMS));
  const stream = medianOf(streamRounds.map((round) => round.stream));
  const perChunk = medianOf(streamRounds.map((round) => round.chunk));
  const addedPerChunk = workload.decode
    ? medianOf(streamRounds.map((round) => round.added as number))
    : undefined;
  await tracerProvider.forceFlush();
  process.stdout.write(
    `${JSON.stringify({ variant: process.argv[2], sdk: workload.version, plain, stream, perChunk, addedPerChunk, chunks: workload.chunks, spans: exported, attributesPerSpan: exported ? attributes / exported : 0 })}\n`,
  );
  await tracerProvider.shutdown();
}

void main();
