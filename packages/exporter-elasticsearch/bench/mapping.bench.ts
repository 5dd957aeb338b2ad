// Mapping throughput: OTLP/protobuf request bytes in → decode → ECS documents → NDJSON bulk
// body bytes out, on one core. Run with `npm run bench -w @elkhound/exporter-elasticsearch`
// (or `npm run bench` at the root). Prints a markdown table.
import { cpus } from 'node:os';
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { encodeSpans } from '@elkhound/ecs';
import { decodeTraceRequest } from '@elkhound/otlp';
import { bulkBody } from '../src/bulk-request';

const SPANS_PER_REQUEST = 512;
const gc = (globalThis as { gc?: () => void }).gc;

function buildRequest(): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '1.4.2',
      'deployment.environment.name': 'production',
      'host.name': 'ip-10-0-0-12',
      'process.pid': 4242,
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '3.1.0',
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
        'http.response.status_code': 200,
        'server.address': 'shop.example.com',
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
          'gen_ai.response.id': `chatcmpl-${index}`,
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.usage.input_tokens': 1240 + index,
          'gen_ai.usage.output_tokens': 96,
          'gen_ai.usage.cache_read.input_tokens': 1024,
          'server.address': 'api.openai.com',
          'server.port': 443,
          'elkhound.cost.total': 0.00022,
          'elkhound.cost.currency': 'USD',
          'elkhound.prompt.hash': `sha256:${'3f'.repeat(32)}`,
        },
      },
      trace.setSpan(context.active(), server),
    );
    chat.end();
    server.end();
  }
  const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
  if (!bytes) throw new Error('serializer returned nothing');
  return bytes;
}

function pipeline(request: Uint8Array): number {
  return bulkBody(encodeSpans(decodeTraceRequest(request))).length;
}

function measure(
  request: Uint8Array,
  seconds: number,
): { spansPerSecond: number; bytesOut: number } {
  let spans = 0;
  let bytesOut = 0;
  const start = process.cpuUsage();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    bytesOut += pipeline(request);
    spans += SPANS_PER_REQUEST;
  }
  const used = process.cpuUsage(start);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { spansPerSecond: spans / cpuSeconds, bytesOut: bytesOut / (spans / SPANS_PER_REQUEST) };
}

function allocatedPerSpan(request: Uint8Array): number | undefined {
  if (!gc) return undefined;
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    pipeline(request);
    samples.push((process.memoryUsage().heapUsed - before) / SPANS_PER_REQUEST);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const request = buildRequest();
measure(request, 2); // warm-up: let the JIT settle
const rounds = [measure(request, 3), measure(request, 3), measure(request, 3)];
const rates = rounds.map((round) => round.spansPerSecond).sort((a, b) => a - b);
const median = rates[1] as number;
const perSpan = allocatedPerSpan(request);
const documentsPerRequest = encodeSpans(decodeTraceRequest(request)).length;

console.log(`\n## Mapping: OTLP/protobuf → ECS NDJSON bulk body, one core`);
console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
console.log(
  `| request | spans/s per core (median of 3) | min | max | bulk body bytes per request | heap allocated per span |`,
);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
console.log(
  `| ${SPANS_PER_REQUEST} spans (${request.length} bytes protobuf, ${documentsPerRequest} documents) | ${Math.round(median).toLocaleString('en')} | ${Math.round(rates[0] as number).toLocaleString('en')} | ${Math.round(rates[2] as number).toLocaleString('en')} | ${Math.round(rounds[0]?.bytesOut ?? 0).toLocaleString('en')} | ${perSpan === undefined ? 'n/a (run with --expose-gc)' : `${Math.round(perSpan).toLocaleString('en')} B`} |`,
);
console.log(`bar: 150,000 spans/s per core — ${median >= 150_000 ? 'met' : 'NOT met'}`);
