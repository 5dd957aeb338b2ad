import { encodeLogs, encodeMetrics, encodeSpans, type EcsDocument } from '@elkhound/ecs';
import {
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
  parseLogsRequestJson,
  parseMetricsRequestJson,
  parseTraceRequestJson,
} from '@elkhound/otlp';

export type SignalName = 'traces' | 'logs' | 'metrics';

/** What the receiver needs to know about one OTLP signal, whatever the transport. */
export interface SignalHandler {
  readonly name: SignalName;
  readonly httpPath: string;
  readonly grpcPath: string;
  /** Decodes a body and maps it to ECS; throws OtlpDecodeError for a body that does not decode. */
  documents(
    body: Buffer,
    format: 'protobuf' | 'json',
    namespace: string,
  ): { documents: EcsDocument[]; items: number };
}

function handler<Request>(
  name: SignalName,
  grpcPath: string,
  fromProtobuf: (bytes: Uint8Array) => Request[],
  fromJson: (text: string) => Request[],
  encode: (requests: readonly Request[], options: { namespace: string }) => EcsDocument[],
  count: (requests: readonly Request[]) => number,
): SignalHandler {
  return {
    name,
    httpPath: `/v1/${name}`,
    grpcPath,
    documents(body, format, namespace) {
      const requests = format === 'protobuf' ? fromProtobuf(body) : fromJson(body.toString('utf8'));
      return { documents: encode(requests, { namespace }), items: count(requests) };
    },
  };
}

export const SIGNALS: readonly SignalHandler[] = [
  handler(
    'traces',
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
