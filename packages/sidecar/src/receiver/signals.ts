import { encodeLogs, encodeMetrics, encodeSpans, type EcsDocument } from '@elkhound/ecs';
import {
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
  parseLogsRequestJson,
  parseMetricsRequestJson,
  parseTraceRequestJson,
  Rejections,
} from '@elkhound/otlp';

export type SignalName = 'traces' | 'logs' | 'metrics';

/** What the receiver needs to know about one OTLP signal, whatever the transport. */
export interface SignalHandler {
  readonly name: SignalName;
  readonly httpPath: string;
  readonly grpcPath: string;
  /** The partial-success field counting what was refused (`rejectedSpans` in OTLP/JSON). */
  readonly rejectedField: string;
  /**
   * Decodes a body and maps it to ECS. An item that does not decode on its own is left out and
   * counted in `rejections` (partial success); a body whose structure does not decode throws
   * OtlpDecodeError.
   */
  documents(
    body: Buffer,
    format: 'protobuf' | 'json',
    namespace: string,
  ): { documents: EcsDocument[]; items: number; rejections: Rejections };
  /** Decodes a body and counts its items, without mapping them (what Kafka forwarding checks). */
  count(body: Buffer, format: 'protobuf' | 'json'): { items: number; rejections: Rejections };
}

function handler<Request>(
  name: SignalName,
  rejectedField: string,
  grpcPath: string,
  fromProtobuf: (bytes: Uint8Array, rejections: Rejections) => Request[],
  fromJson: (text: string, rejections: Rejections) => Request[],
  encode: (requests: readonly Request[], options: { namespace: string }) => EcsDocument[],
  count: (requests: readonly Request[]) => number,
): SignalHandler {
  const decode = (body: Buffer, format: 'protobuf' | 'json', rejections: Rejections): Request[] =>
    format === 'protobuf'
      ? fromProtobuf(body, rejections)
      : fromJson(body.toString('utf8'), rejections);
  return {
    name,
    httpPath: `/v1/${name}`,
    rejectedField,
    grpcPath,
    documents(body, format, namespace) {
      const rejections = new Rejections();
      const requests = decode(body, format, rejections);
      return { documents: encode(requests, { namespace }), items: count(requests), rejections };
    },
    count(body, format) {
      const rejections = new Rejections();
      return { items: count(decode(body, format, rejections)), rejections };
    },
  };
}

export const SIGNALS: readonly SignalHandler[] = [
  handler(
    'traces',
    'rejectedSpans',
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    decodeTraceRequest,
    parseTraceRequestJson,
    encodeSpans,
    (groups) => {
      let spans = 0;
      for (const group of groups) for (const scope of group.scopeSpans) spans += scope.spans.length;
      return spans;
    },
  ),
  handler(
    'logs',
    'rejectedLogRecords',
    '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    decodeLogsRequest,
    parseLogsRequestJson,
    encodeLogs,
    (groups) => {
      let records = 0;
      for (const group of groups)
        for (const scope of group.scopeLogs) records += scope.logRecords.length;
      return records;
    },
  ),
  handler(
    'metrics',
    // A metric that does not decode counts as one rejected data point: its points are unknown.
    'rejectedDataPoints',
    '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    decodeMetricsRequest,
    parseMetricsRequestJson,
    encodeMetrics,
    (groups) => {
      let points = 0;
      for (const group of groups) {
        for (const scope of group.scopeMetrics) {
          for (const metric of scope.metrics) points += metric.data.dataPoints.length;
        }
      }
      return points;
    },
  ),
];
