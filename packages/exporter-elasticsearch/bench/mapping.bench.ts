// Mapping throughput: OTLP/protobuf request bytes in → decodeTraceRequest → encodeSpans →
// NDJSON `_bulk` body bytes out (a `create` action line and the source line per document, as
// the bulk writer writes them), on one core. `npm run bench -w @elkhound/exporter-elasticsearch` (or `npm run
// bench` at the root). Prints a markdown table; docs/benchmarks.md records it.
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { decodeTraceRequest } from '@elkhound/otlp';
import { encodeSpans } from '@elkhound/ecs';
import { bulkBody } from '../src/bulk-request';

const SPANS_PER_REQUEST = 512;

/** A realistic request: half HTTP server spans, half GenAI chat spans under them. */
function buildRequest(): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '1.4.2',
      'deployment.environment.name': 'production',
      'host.name': 'ip-10-0-0-12',
      'host.arch': 'amd64',
      'os.type': 'linux',
      'process.pid': 4242,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '24.11.0',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '3.1.1',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('@elkhound/instrumentation-genai', '0.1.0');
  for (let index = 0; index < SPANS_PER_REQUEST / 2; index++) {
    const server = tracer.startSpan('POST /checkout', {
      kind: 1,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/checkout',
        'url.path': '/checkout',
        'url.scheme': 'https',
        'http.response.status_code': 200,
        'server.address': 'shop.example.com',
        'client.address': `10.0.3.${index % 250}`,
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
      },
    });
    const chat = tracer.startSpan(
      'chat gpt-4o-mini',
      {
        kind: 2,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.request.temperature': 0.2,
          'gen_ai.request.max_tokens': 512,
          'gen_ai.request.stream': true,
          'gen_ai.response.id': `chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT${index}`,
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.response.time_to_first_chunk': 0.2 + index / 1000,
          'gen_ai.usage.input_tokens': 1240 + index,
          'gen_ai.usage.output_tokens': 96 + (index % 50),
          'gen_ai.usage.cache_read.input_tokens': 1024,
          'server.address': 'api.openai.com',
          'server.port': 443,
          // What differs from call to call differs here too: costs, prompt and completion hashes.
          'elkhound.cost.total': 0.00022 + index * 1e-7,
          'elkhound.cost.input': 0.00016 + index * 1e-7,
          'elkhound.cost.output': 0.00006,
          'elkhound.cost.currency': 'USD',
          'elkhound.cost.source': 'local',
          'elkhound.pricing.version': '0.0.40',
          'elkhound.prompt.hash': `sha256:${createHash('sha256').update(`prompt ${index}`).digest('hex')}`,
          'elkhound.prompt.system_hash': `sha256:${'a1'.repeat(32)}`,
          'elkhound.completion.hash': `sha256:${createHash('sha256').update(`completion ${index}`).digest('hex')}`,
        },
      },
      trace.setSpan(context.active(), server),
    );
    chat.end();
    server.end();
  }
  const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
  if (!bytes) throw new Error('the serializer returned nothing');
  return bytes;
}

function pipeline(request: Uint8Array): number {
  return bulkBody(encodeSpans(decodeTraceRequest(request))).length;
}

function measure(request: Uint8Array, seconds: number): number {
  let spans = 0;
  const start = process.cpuUsage();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    pipeline(request);
    spans += SPANS_PER_REQUEST;
  }
  const used = process.cpuUsage(start);
  return spans / ((used.user + used.system) / 1e6);
}

/**
 * Bytes the heap allocated per span: V8's running total of allocated bytes when it has one
 * (`total_allocated_bytes`, Node 24+), else the heap growth of one request after a forced GC.
 */
function allocatedPerSpan(request: Uint8Array): { bytes: number; how: string } | undefined {
  const statistics = getHeapStatistics() as ReturnType<typeof getHeapStatistics> & {
    total_allocated_bytes?: number;
  };
  if (typeof statistics.total_allocated_bytes === 'number') {
    const rounds = 50;
    const before = (getHeapStatistics() as typeof statistics).total_allocated_bytes as number;
    for (let round = 0; round < rounds; round++) pipeline(request);
    const after = (getHeapStatistics() as typeof statistics).total_allocated_bytes as number;
    return { bytes: (after - before) / (rounds * SPANS_PER_REQUEST), how: 'total_allocated_bytes' };
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    pipeline(request);
    samples.push((process.memoryUsage().heapUsed - before) / SPANS_PER_REQUEST);
  }
  samples.sort((a, b) => a - b);
  return { bytes: samples[Math.floor(samples.length / 2)] as number, how: 'heap growth' };
}

const request = buildRequest();
measure(request, 2); // warm-up: let the JIT settle
const rates = [measure(request, 3), measure(request, 3), measure(request, 3)].sort((a, b) => a - b);
const median = rates[1] as number;
const allocated = allocatedPerSpan(request);
const documents = encodeSpans(decodeTraceRequest(request));
const bodyBytes = bulkBody(documents).length;
const format = (value: number) => Math.round(value).toLocaleString('en');

/** CPU microseconds per span of one stage, run on its own. */
function stage(run: () => unknown): number {
  for (let round = 0; round < 100; round++) run();
  const start = process.cpuUsage();
  const rounds = 400;
  for (let round = 0; round < rounds; round++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (rounds * SPANS_PER_REQUEST);
}
const decoded = decodeTraceRequest(request);
const stages = {
  decode: stage(() => decodeTraceRequest(request)),
  encode: stage(() => encodeSpans(decoded)),
  bulk: stage(() => bulkBody(documents)),
};

console.log(`\n## Mapping: OTLP/protobuf → ECS NDJSON bulk body, one core`);
console.log(
  `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
);
console.log(
  `| request | spans/s per core (median of 3) | min | max | bulk body bytes | heap allocated per span |`,
);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
console.log(
  `| ${SPANS_PER_REQUEST} spans (${format(request.length)} bytes protobuf, ${documents.length} documents) | ${format(median)} | ${format(rates[0] as number)} | ${format(rates[2] as number)} | ${format(bodyBytes)} | ${allocated ? `${format(allocated.bytes)} B (${allocated.how})` : 'n/a (run with --expose-gc)'} |`,
);
console.log(
  `stages, µs per span: decode ${stages.decode.toFixed(2)}, encode ${stages.encode.toFixed(2)}, bulk body ${stages.bulk.toFixed(2)}`,
);
console.log(`bar: 150,000 spans/s per core — ${median >= 150_000 ? 'met' : 'NOT met'}`);
