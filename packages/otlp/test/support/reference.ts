// The reference OTLP decoder of the differential tests: protobufjs, a maintained protobuf library,
// reading the opentelemetry-proto definitions (test/proto, release in PROTO_RELEASE), and a
// conversion of what it decodes into Elkhound's model (ids as hex, times as [seconds, nanos],
// attributes as plain objects), field by field from the .proto files, not from Elkhound's code.
// Fields the model does not carry (entity refs, link flags, exemplars, data point flags,
// profiles' string indexes, …) are read by protobufjs and left out here.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type {
  AnyValue,
  Attributes,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  LogRecord,
  Metric,
  MetricData,
  NumberDataPoint,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
} from '../../src';

/** The opentelemetry-proto release whose .proto files test/proto holds. */
export const PROTO_RELEASE = 'v1.11.0';

const PROTO_DIR = join(__dirname, '..', 'proto');

/** protobufjs's Root of the three export services, field names as in the .proto files. */
export function loadOtlpRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    join(PROTO_DIR, target.replace(/^.*?(opentelemetry\/)/, '$1'));
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    ],
    { keepCase: true },
  );
  root.resolveAll();
  return root;
}

// What protobufjs decodes: messages whose own properties are the fields the wire carried.
type Decoded = Record<string, unknown>;
type Long = { low: number; high: number; unsigned: boolean };

const has = (message: Decoded, field: string): boolean => Object.hasOwn(message, field);
/** A message field, undefined when the wire did not carry it (protobufjs's default is null). */
const child = (message: Decoded, field: string): Decoded | undefined =>
  has(message, field) ? (message[field] as Decoded) : undefined;
const list = (message: Decoded, field: string): Decoded[] =>
  has(message, field) ? (message[field] as Decoded[]) : [];

/** A 64-bit integer as protobufjs gives it (Long, or number without long.js), as a bigint. */
function big(value: unknown, signed: boolean): bigint {
  if (typeof value === 'number') return BigInt(value);
  const long = value as Long;
  const bits = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
  return signed ? BigInt.asIntN(64, bits) : bits;
}

const int64 = (value: unknown): number => Number(big(value, true));
const uint64 = (value: unknown): number => Number(big(value, false));

function time(value: unknown): [number, number] {
  const nanos = big(value, false);
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

const hex = (value: unknown): string => Buffer.from(value as Uint8Array).toString('hex');

function anyValue(message: Decoded | undefined): AnyValue {
  if (message === undefined) return undefined;
  // One member of the oneof is set (the generator never sets two); string_value_strindex is
  // the Profiling signal's, read "as if absent" by other signals (common.proto).
  if (has(message, 'string_value')) return message.string_value as string;
  if (has(message, 'bool_value')) return message.bool_value as boolean;
  if (has(message, 'int_value')) return int64(message.int_value);
  if (has(message, 'double_value')) return message.double_value as number;
  if (has(message, 'array_value'))
    return list(message.array_value as Decoded, 'values').map((value) => anyValue(value));
  if (has(message, 'kvlist_value'))
    return attributes(list(message.kvlist_value as Decoded, 'values'));
  if (has(message, 'bytes_value')) return Buffer.from(message.bytes_value as Uint8Array);
  return undefined;
}

/** KeyValues as a plain object: a later duplicate key wins, `__proto__` is data. */
function attributes(keyValues: Decoded[]): Attributes {
  const out: Attributes = {};
  for (const keyValue of keyValues) {
    const key = (keyValue.key as string | undefined) ?? '';
    Object.defineProperty(out, key, {
      value: anyValue(child(keyValue, 'value')),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function resource(message: Decoded | undefined): Resource {
  const out: Resource = { attributes: {} };
  if (message === undefined) return out;
  out.attributes = attributes(list(message, 'attributes'));
  if (has(message, 'dropped_attributes_count'))
    out.droppedAttributesCount = message.dropped_attributes_count as number;
  return out;
}

function scope(message: Decoded | undefined): InstrumentationScope {
  const out: InstrumentationScope = { name: '' };
  if (message === undefined) return out;
  if (has(message, 'name')) out.name = message.name as string;
  if (has(message, 'version')) out.version = message.version as string;
  if (list(message, 'attributes').length > 0)
    out.attributes = attributes(list(message, 'attributes'));
  return out;
}

/**
 * A signal's resource → scope → item fields: as the .proto files name them, and the keys of the
 * scope groups and items in Elkhound's model.
 */
interface SignalFields<Scopes extends string, Items extends string> {
  resource: string;
  scope: string;
  item: string;
  scopes: Scopes;
  items: Items;
}

const TRACE_FIELDS = {
  resource: 'resource_spans',
  scope: 'scope_spans',
  item: 'spans',
  scopes: 'scopeSpans',
  items: 'spans',
} as const;
const LOGS_FIELDS = {
  resource: 'resource_logs',
  scope: 'scope_logs',
  item: 'log_records',
  scopes: 'scopeLogs',
  items: 'logRecords',
} as const;
const METRICS_FIELDS = {
  resource: 'resource_metrics',
  scope: 'scope_metrics',
  item: 'metrics',
  scopes: 'scopeMetrics',
  items: 'metrics',
} as const;

type ResourceGroup<Scopes extends string, Items extends string, Item> = {
  resource: Resource;
  schemaUrl?: string;
} & Record<Scopes, ({ scope: InstrumentationScope; schemaUrl?: string } & Record<Items, Item[]>)[]>;

/** Resource → scope → items, shared by the three signals. */
function envelope<Scopes extends string, Items extends string, Item>(
  request: Decoded,
  fields: SignalFields<Scopes, Items>,
  item: (message: Decoded) => Item,
): ResourceGroup<Scopes, Items, Item>[] {
  return list(request, fields.resource).map(
    (group) =>
      ({
        resource: resource(child(group, 'resource')),
        ...(has(group, 'schema_url') ? { schemaUrl: group.schema_url as string } : {}),
        [fields.scopes]: list(group, fields.scope).map((scopeGroup) => ({
          scope: scope(child(scopeGroup, 'scope')),
          ...(has(scopeGroup, 'schema_url') ? { schemaUrl: scopeGroup.schema_url as string } : {}),
          [fields.items]: list(scopeGroup, fields.item).map(item),
        })),
      }) as ResourceGroup<Scopes, Items, Item>,
  );
}

const ZERO_SPAN = '0'.repeat(16);
const ZERO_TRACE = '0'.repeat(32);

function span(message: Decoded): Span {
  const out: Span = {
    traceId: hex(message.trace_id),
    spanId: hex(message.span_id),
    name: has(message, 'name') ? (message.name as string) : '',
    kind: (has(message, 'kind') ? message.kind : 0) as Span['kind'],
    startTime: has(message, 'start_time_unix_nano') ? time(message.start_time_unix_nano) : [0, 0],
    endTime: has(message, 'end_time_unix_nano') ? time(message.end_time_unix_nano) : [0, 0],
    attributes: attributes(list(message, 'attributes')),
    events: list(message, 'events').map(event),
    links: list(message, 'links').map(link),
    status: { code: 0 },
  };
  if (has(message, 'trace_state')) out.traceState = message.trace_state as string;
  const parent = has(message, 'parent_span_id') ? hex(message.parent_span_id) : '';
  if (parent !== '' && parent !== ZERO_SPAN) {
    out.parentSpanId = parent;
    const flags = has(message, 'flags') ? (message.flags as number) : 0;
    // SpanFlags: bit 8 says whether bit 9 (the parent is remote) is known.
    if (flags & 0x100) out.parentIsRemote = (flags & 0x200) !== 0;
  }
  if (has(message, 'dropped_attributes_count'))
    out.droppedAttributesCount = message.dropped_attributes_count as number;
  if (has(message, 'dropped_events_count'))
    out.droppedEventsCount = message.dropped_events_count as number;
  if (has(message, 'dropped_links_count'))
    out.droppedLinksCount = message.dropped_links_count as number;
  if (has(message, 'status')) {
    const status = message.status as Decoded;
    out.status = { code: (has(status, 'code') ? status.code : 0) as Span['status']['code'] };
    if (has(status, 'message')) out.status.message = status.message as string;
  }
  return out;
}

function event(message: Decoded): SpanEvent {
  const out: SpanEvent = {
    time: has(message, 'time_unix_nano') ? time(message.time_unix_nano) : [0, 0],
    name: has(message, 'name') ? (message.name as string) : '',
    attributes: attributes(list(message, 'attributes')),
  };
  if (has(message, 'dropped_attributes_count'))
    out.droppedAttributesCount = message.dropped_attributes_count as number;
  return out;
}

function link(message: Decoded): SpanLink {
  const out: SpanLink = {
    traceId: has(message, 'trace_id') ? hex(message.trace_id) : '',
    spanId: has(message, 'span_id') ? hex(message.span_id) : '',
    attributes: attributes(list(message, 'attributes')),
  };
  if (has(message, 'trace_state')) out.traceState = message.trace_state as string;
  if (has(message, 'dropped_attributes_count'))
    out.droppedAttributesCount = message.dropped_attributes_count as number;
  return out;
}

function logRecord(message: Decoded): LogRecord {
  const out: LogRecord = { attributes: attributes(list(message, 'attributes')) };
  if (has(message, 'time_unix_nano')) out.time = time(message.time_unix_nano);
  if (has(message, 'observed_time_unix_nano'))
    out.observedTime = time(message.observed_time_unix_nano);
  if (has(message, 'severity_number')) out.severityNumber = message.severity_number as number;
  if (has(message, 'severity_text')) out.severityText = message.severity_text as string;
  if (has(message, 'body')) out.body = anyValue(message.body as Decoded);
  if (has(message, 'dropped_attributes_count'))
    out.droppedAttributesCount = message.dropped_attributes_count as number;
  if (has(message, 'flags')) out.flags = message.flags as number;
  // Optional on a log record: empty or all zeros is no trace.
  const traceId = has(message, 'trace_id') ? hex(message.trace_id) : '';
  if (traceId !== '' && traceId !== ZERO_TRACE) out.traceId = traceId;
  const spanId = has(message, 'span_id') ? hex(message.span_id) : '';
  if (spanId !== '' && spanId !== ZERO_SPAN) out.spanId = spanId;
  if (has(message, 'event_name')) out.eventName = message.event_name as string;
  return out;
}

function pointBase(message: Decoded) {
  return {
    attributes: attributes(list(message, 'attributes')),
    ...(has(message, 'start_time_unix_nano')
      ? { startTime: time(message.start_time_unix_nano) }
      : {}),
    time: has(message, 'time_unix_nano')
      ? time(message.time_unix_nano)
      : ([0, 0] as [number, number]),
  };
}

function numberPoint(message: Decoded): NumberDataPoint {
  let value = 0;
  if (has(message, 'as_double')) value = message.as_double as number;
  if (has(message, 'as_int')) value = int64(message.as_int);
  return { ...pointBase(message), value };
}

function optionalDoubles(message: Decoded, fields: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field of fields) if (has(message, field)) out[field] = message[field] as number;
  return out;
}

function histogramPoint(message: Decoded): HistogramDataPoint {
  return {
    ...pointBase(message),
    count: has(message, 'count') ? uint64(message.count) : 0,
    ...optionalDoubles(message, ['sum', 'min', 'max']),
    bucketCounts: list(message, 'bucket_counts').map(uint64),
    explicitBounds: has(message, 'explicit_bounds')
      ? [...(message.explicit_bounds as number[])]
      : [],
  };
}

function buckets(message: Decoded | undefined): ExponentialHistogramDataPoint['positive'] {
  if (message === undefined) return { offset: 0, bucketCounts: [] };
  return {
    offset: has(message, 'offset') ? (message.offset as number) : 0,
    bucketCounts: list(message, 'bucket_counts').map(uint64),
  };
}

function exponentialPoint(message: Decoded): ExponentialHistogramDataPoint {
  return {
    ...pointBase(message),
    count: has(message, 'count') ? uint64(message.count) : 0,
    ...optionalDoubles(message, ['sum', 'min', 'max']),
    scale: has(message, 'scale') ? (message.scale as number) : 0,
    zeroCount: has(message, 'zero_count') ? uint64(message.zero_count) : 0,
    positive: buckets(child(message, 'positive')),
    negative: buckets(child(message, 'negative')),
  };
}

function summaryPoint(message: Decoded): SummaryDataPoint {
  return {
    ...pointBase(message),
    count: has(message, 'count') ? uint64(message.count) : 0,
    sum: has(message, 'sum') ? (message.sum as number) : 0,
    quantileValues: list(message, 'quantile_values').map((quantile) => ({
      quantile: has(quantile, 'quantile') ? (quantile.quantile as number) : 0,
      value: has(quantile, 'value') ? (quantile.value as number) : 0,
    })),
  };
}

function metric(message: Decoded): Metric {
  let data: MetricData | undefined;
  const temporality = (body: Decoded) =>
    has(body, 'aggregation_temporality') ? (body.aggregation_temporality as number) : 0;
  // The generator sets one member of the `data` oneof.
  if (has(message, 'gauge'))
    data = {
      type: 'gauge',
      dataPoints: list(message.gauge as Decoded, 'data_points').map(numberPoint),
    };
  else if (has(message, 'sum')) {
    const body = message.sum as Decoded;
    data = {
      type: 'sum',
      dataPoints: list(body, 'data_points').map(numberPoint),
      isMonotonic: has(body, 'is_monotonic') ? (body.is_monotonic as boolean) : false,
      aggregationTemporality: temporality(body),
    };
  } else if (has(message, 'histogram')) {
    const body = message.histogram as Decoded;
    data = {
      type: 'histogram',
      dataPoints: list(body, 'data_points').map(histogramPoint),
      aggregationTemporality: temporality(body),
    };
  } else if (has(message, 'exponential_histogram')) {
    const body = message.exponential_histogram as Decoded;
    data = {
      type: 'exponentialHistogram',
      dataPoints: list(body, 'data_points').map(exponentialPoint),
      aggregationTemporality: temporality(body),
    };
  } else if (has(message, 'summary'))
    data = {
      type: 'summary',
      dataPoints: list(message.summary as Decoded, 'data_points').map(summaryPoint),
    };
  if (data === undefined) throw new Error('the generator made a metric without data');
  const out: Metric = { name: has(message, 'name') ? (message.name as string) : '', data };
  if (has(message, 'description')) out.description = message.description as string;
  if (has(message, 'unit')) out.unit = message.unit as string;
  return out;
}

/** protobufjs's reading of the three export requests, in Elkhound's model. */
export class ReferenceDecoder {
  readonly root = loadOtlpRoot();
  private readonly traces = this.root.lookupType(
    'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  );
  private readonly logs = this.root.lookupType(
    'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  );
  private readonly metrics = this.root.lookupType(
    'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  );

  decodeTraces(bytes: Uint8Array): ResourceSpans[] {
    return envelope(this.traces.decode(bytes) as unknown as Decoded, TRACE_FIELDS, span);
  }

  decodeLogs(bytes: Uint8Array): ResourceLogs[] {
    return envelope(this.logs.decode(bytes) as unknown as Decoded, LOGS_FIELDS, logRecord);
  }

  decodeMetrics(bytes: Uint8Array): ResourceMetrics[] {
    return envelope(this.metrics.decode(bytes) as unknown as Decoded, METRICS_FIELDS, metric);
  }
}

/** `google.rpc.Status { int32 code = 1; string message = 2; … }`, the body of an OTLP error answer. */
export function decodeRpcStatus(bytes: Uint8Array): { code: number; message: string } {
  const reader = protobuf.Reader.create(bytes);
  const status = { code: 0, message: '' };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 0x08) status.code = reader.int32();
    else if (tag === 0x12) status.message = reader.string();
    else reader.skipType(tag & 7);
  }
  return status;
}
