// The side-by-side bench's load: OTLP/protobuf requests like an instrumented GenAI service sends
// them, made by the real OpenTelemetry SDK and serialised by its own protobuf serialiser. A trace
// request holds whole traces (an HTTP server span with GenAI client spans under it, carrying the
// attributes Elkhound's instrumentation writes: usage, cost, prompt hashes); a logs request holds
// log records in those traces' context. Every span and record carries a `bench.id` unique within
// the load, by which lost and duplicated documents are counted.
import { createHash } from 'node:crypto';
import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** GenAI client spans under each HTTP server span: 1 + 4 spans a trace, 20 traces a request. */
const CALLS_PER_TRACE = 4;

const resource = resourceFromAttributes({
  'service.name': 'support-assistant',
  'service.version': '2.14.1',
  'deployment.environment.name': 'production',
  'host.name': 'support-assistant-7d9f8c6b5-x2kqp',
  'process.pid': 4242,
  'process.runtime.name': 'nodejs',
  'process.runtime.version': '24.11.0',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '3.1.0',
});

const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash'];
const providers = ['openai', 'openai', 'anthropic', 'gcp.gemini'];

/** A SHA-256 hex digest, like Elkhound's prompt hashes. */
function hash(seed: number): string {
  return createHash('sha256').update(String(seed)).digest('hex');
}

function genAiAttributes(id: string, call: number, seed: number): Record<string, unknown> {
  const model = models[call % models.length] as string;
  const input = 400 + (seed % 900);
  const output = 60 + (seed % 300);
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': providers[call % providers.length],
    'gen_ai.request.model': model,
    'gen_ai.request.max_tokens': 1024,
    'gen_ai.request.temperature': 0.2,
    'gen_ai.response.model': `${model}-2025-08-06`,
    'gen_ai.response.id': `chatcmpl-${hash(seed).slice(0, 24)}`,
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
    'gen_ai.usage.cache_read.input_tokens': seed % 3 === 0 ? 256 : 0,
    'elkhound.cost.input': input * 2.5e-6,
    'elkhound.cost.output': output * 1e-5,
    'elkhound.cost.total': input * 2.5e-6 + output * 1e-5,
    'elkhound.cost.source': 'pricing-table',
    'elkhound.pricing.version': '2026-11-01',
    'elkhound.prompt.hash': hash(seed + 1),
    'elkhound.prompt.system_hash': hash(call),
    'server.address': 'api.openai.com',
    'server.port': 443,
    'bench.id': id,
  };
}

export interface LoadOptions {
  requests: number;
  /** Spans (or log records) a request; rounded to whole traces of 1 + CALLS_PER_TRACE spans. */
  perRequest: number;
}

/** `requests` OTLP/protobuf trace requests of about `perRequest` spans each. */
export function traceRequests({ requests, perRequest }: LoadOptions): Buffer[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('@elkhound/instrumentation-genai', '0.1.0');
  const traces = Math.max(1, Math.round(perRequest / (1 + CALLS_PER_TRACE)));
  const bodies: Buffer[] = [];
  let seed = 0;
  for (let request = 0; request < requests; request++) {
    exporter.reset();
    for (let index = 0; index < traces; index++) {
      const server: Span = tracer.startSpan('POST /v1/answers', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/v1/answers',
          'http.response.status_code': 200,
          'url.path': '/v1/answers',
          'url.scheme': 'https',
          'server.address': 'support.example.com',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36',
          'client.address': '10.1.2.3',
          'bench.id': `${request}.${index}`,
        },
      });
      const parent = trace.setSpan(context.active(), server);
      for (let call = 0; call < CALLS_PER_TRACE; call++) {
        const attributes = genAiAttributes(`${request}.${index}.${call}`, call, seed++);
        tracer
          .startSpan(
            `chat ${attributes['gen_ai.request.model'] as string}`,
            { kind: SpanKind.CLIENT, attributes: attributes as never },
            parent,
          )
          .end();
      }
      server.end();
    }
    bodies.push(
      Buffer.from(
        ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()) as Uint8Array,
      ),
    );
  }
  return bodies;
}

/** `requests` OTLP/protobuf logs requests of `perRequest` log records, in a trace's context. */
export function logRequests({ requests, perRequest }: LoadOptions): Buffer[] {
  const spans = new InMemorySpanExporter();
  const tracer = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  }).getTracer('support-assistant');
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('support-assistant', '2.14.1');
  const bodies: Buffer[] = [];
  for (let request = 0; request < requests; request++) {
    exporter.reset();
    const span = tracer.startSpan('POST /v1/answers', { kind: SpanKind.SERVER });
    const active = trace.setSpan(context.active(), span);
    for (let index = 0; index < perRequest; index++) {
      const model = models[index % models.length] as string;
      logger.emit({
        context: active,
        severityNumber: 9,
        severityText: 'INFO',
        body: `answered ticket ${request * perRequest + index} with ${model} in ${200 + (index % 700)} ms`,
        attributes: {
          'gen_ai.request.model': model,
          'gen_ai.usage.input_tokens': 400 + index,
          'gen_ai.usage.output_tokens': 60 + index,
          'elkhound.cost.total': 0.0012,
          'http.route': '/v1/answers',
          'code.function.name': 'answerTicket',
          'bench.id': `${request}.${index}`,
        },
      });
    }
    span.end();
    bodies.push(
      Buffer.from(
        ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords()) as Uint8Array,
      ),
    );
  }
  return bodies;
}

/** Spans (or records) in each request the generators above make for `options`. */
export function documentsPerRequest(signal: 'traces' | 'logs', options: LoadOptions): number {
  if (signal === 'logs') return options.perRequest;
  return (
    Math.max(1, Math.round(options.perRequest / (1 + CALLS_PER_TRACE))) * (1 + CALLS_PER_TRACE)
  );
}
