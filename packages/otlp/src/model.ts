// The OTLP data model every Elkhound component shares. The protobuf decoder, the JSON decoder
// and the adapters from the OpenTelemetry JS SDK's in-memory objects all produce these shapes,
// and @elkhound/ecs consumes them — so one mapping serves the in-process exporters and the
// sidecar alike.
//
// Choices made for speed and exactness:
// - ids are lowercase hex strings (what ECS writes, and what the JS SDK already holds);
// - times are `HrTime` ([seconds, nanoseconds]) like the JS SDK: exact to the nanosecond, which a
//   single `number` of nanoseconds since the epoch is not (2^53 ns is only 104 days);
// - attributes are plain objects, as the JS SDK keeps them; OTLP int64 values become `number`
//   (exact up to 2^53) and bytes stay `Uint8Array`.

export type HrTime = [seconds: number, nanoseconds: number];

export type AnyValue =
  | string
  | number
  | boolean
  | Uint8Array
  | null
  | undefined
  | AnyValue[]
  | { [key: string]: AnyValue };

export type Attributes = Record<string, AnyValue>;

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface InstrumentationScope {
  name: string;
  version?: string;
  attributes?: Attributes;
}

/** OTLP numbering (the JS SDK's `SpanKind` is this minus one). */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/** Same numbering in OTLP and the JS SDK. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  time: HrTime;
  name: string;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface Span {
  traceId: string;
  spanId: string;
  /** Absent (or empty) for a root span. */
  parentSpanId?: string;
  /** True when the parent span context came from another process (OTLP span flags bit 9). */
  parentIsRemote?: boolean;
  traceState?: string;
  name: string;
  kind: SpanKind;
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  droppedAttributesCount?: number;
  events: SpanEvent[];
  droppedEventsCount?: number;
  links: SpanLink[];
  droppedLinksCount?: number;
  status: { code: StatusCode; message?: string };
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  spans: Span[];
  schemaUrl?: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl?: string;
}

export interface LogRecord {
  /** When the event happened; may be absent, then `observedTime` stands in. */
  time?: HrTime;
  observedTime?: HrTime;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes: Attributes;
  droppedAttributesCount?: number;
  traceId?: string;
  spanId?: string;
  flags?: number;
  eventName?: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl?: string;
}

export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl?: string;
}

// Metrics: the shapes the sidecar accepts and stores (gauges, sums, histograms, exponential
// histograms, summaries). @elkhound/otlp owns their precise fields.
export interface NumberDataPoint {
  attributes: Attributes;
  startTime?: HrTime;
  time: HrTime;
  value: number;
}

export interface HistogramDataPoint {
  attributes: Attributes;
  startTime?: HrTime;
  time: HrTime;
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface ExponentialHistogramDataPoint {
  attributes: Attributes;
  startTime?: HrTime;
  time: HrTime;
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
}

export interface SummaryDataPoint {
  attributes: Attributes;
  startTime?: HrTime;
  time: HrTime;
  count: number;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

export type MetricData =
  | { type: 'gauge'; dataPoints: NumberDataPoint[] }
  | {
      type: 'sum';
      dataPoints: NumberDataPoint[];
      isMonotonic: boolean;
      aggregationTemporality: number;
    }
  | { type: 'histogram'; dataPoints: HistogramDataPoint[]; aggregationTemporality: number }
  | {
      type: 'exponentialHistogram';
      dataPoints: ExponentialHistogramDataPoint[];
      aggregationTemporality: number;
    }
  | { type: 'summary'; dataPoints: SummaryDataPoint[] };

export interface Metric {
  name: string;
  description?: string;
  unit?: string;
  data: MetricData;
}

export interface ScopeMetrics {
  scope: InstrumentationScope;
  metrics: Metric[];
  schemaUrl?: string;
}

export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl?: string;
}
