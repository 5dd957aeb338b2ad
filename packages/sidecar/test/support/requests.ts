import {
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
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
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';

/** Spans made by the real SDK: `count` traces of one span each, with GenAI attributes. */
export function makeSpans(count: number, serviceName = 'load'): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('elkhound-sidecar-test');
  for (let index = 0; index < count; index++) {
    tracer
      .startSpan('chat gpt-4o', {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.input_tokens': 120 + index,
          'gen_ai.usage.output_tokens': 40,
          'elkhound.cost.total': 0.0012,
          'http.route': '/chat',
        },
      })
      .end();
  }
  return exporter.getFinishedSpans();
}

export function traceRequestProtobuf(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
}

export function traceRequestJson(spans: ReadableSpan[]): string {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans) as Uint8Array).toString('utf8');
}

export function logsRequestProtobuf(count: number): Buffer {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('test');
  for (let index = 0; index < count; index++)
    logger.emit({ body: `log ${index}`, severityText: 'INFO' });
  return Buffer.from(
    ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords()) as Uint8Array,
  );
}
