// OTLP/JSON export requests re-encoded as OTLP/protobuf, for Kafka: the Collector's kafka
// receiver reads one encoding per topic (`otlp_proto` by default) and ignores the content-type
// header, so a JSON record on a protobuf topic is lost to it. The sidecar therefore produces every
// request as protobuf, whatever it came in as. The encoder walks the JSON by the field numbers of
// the OTLP .proto files (opentelemetry-proto v1): lowerCamelCase or snake_case keys, ids in hex,
// 64-bit integers as numbers or decimal strings, enums as integers or their names — what the
// sidecar's JSON decoder accepts. Fields it does not know are left out, as protobuf JSON parsers
// do. What it cannot encode throws; the caller then keeps the request as JSON.
import { AGGREGATION_TEMPORALITY_NAMES, SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '@elkhound/otlp';
import type { SignalName } from '../receiver/signals';

type Scalar =
  | 'string'
  | 'bool'
  | 'hex'
  | 'base64'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'sint32'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed64'
  | 'double';

/** A field: its number, and a scalar kind, an enum's names, or a message's schema (a thunk: schemas refer to each other). */
type FieldSpec = {
  number: number;
  kind: Scalar | { names: readonly string[] } | (() => Schema);
  repeated?: boolean;
};
type Schema = Record<string, FieldSpec>;

const f = (number: number, kind: FieldSpec['kind'], repeated = false): FieldSpec => ({
  number,
  kind,
  repeated,
});

const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) =>
    ['', '2', '3', '4'].map((step) => `SEVERITY_NUMBER_${level}${step}`),
  ),
];

// common.proto, resource.proto
const anyValue = (): Schema => ({
  stringValue: f(1, 'string'),
  boolValue: f(2, 'bool'),
  intValue: f(3, 'int64'),
  doubleValue: f(4, 'double'),
  arrayValue: f(5, () => ({ values: f(1, anyValue, true) })),
  kvlistValue: f(6, () => ({ values: f(1, keyValue, true) })),
  bytesValue: f(7, 'base64'),
});
const keyValue = (): Schema => ({ key: f(1, 'string'), value: f(2, anyValue) });
const attributes = (number: number): FieldSpec => f(number, keyValue, true);
const scope = (): Schema => ({
  name: f(1, 'string'),
  version: f(2, 'string'),
  attributes: attributes(3),
  droppedAttributesCount: f(4, 'uint32'),
});
const resource = (): Schema => ({
  attributes: attributes(1),
  droppedAttributesCount: f(2, 'uint32'),
  entityRefs: f(
    3,
    () => ({
      schemaUrl: f(1, 'string'),
      type: f(2, 'string'),
      idKeys: f(3, 'string', true),
      descriptionKeys: f(4, 'string', true),
    }),
    true,
  ),
});
/** ResourceX { resource = 1; scopeX = 2; schema_url = 3 } and ScopeX { scope = 1; items = 2; schema_url = 3 }. */
const envelope = (scopes: string, items: string, item: () => Schema): Schema => ({
  resource: f(1, resource),
  [scopes]: f(
    2,
    () => ({ scope: f(1, scope), [items]: f(2, item, true), schemaUrl: f(3, 'string') }),
    true,
  ),
  schemaUrl: f(3, 'string'),
});

// trace.proto
const span = (): Schema => ({
  traceId: f(1, 'hex'),
  spanId: f(2, 'hex'),
  traceState: f(3, 'string'),
  parentSpanId: f(4, 'hex'),
  flags: f(16, 'fixed32'),
  name: f(5, 'string'),
  kind: f(6, { names: SPAN_KIND_NAMES }),
  startTimeUnixNano: f(7, 'fixed64'),
  endTimeUnixNano: f(8, 'fixed64'),
  attributes: attributes(9),
  droppedAttributesCount: f(10, 'uint32'),
  events: f(
    11,
    () => ({
      timeUnixNano: f(1, 'fixed64'),
      name: f(2, 'string'),
      attributes: attributes(3),
      droppedAttributesCount: f(4, 'uint32'),
    }),
    true,
  ),
  droppedEventsCount: f(12, 'uint32'),
  links: f(
    13,
    () => ({
      traceId: f(1, 'hex'),
      spanId: f(2, 'hex'),
      traceState: f(3, 'string'),
      attributes: attributes(4),
      droppedAttributesCount: f(5, 'uint32'),
      flags: f(6, 'fixed32'),
    }),
    true,
  ),
  droppedLinksCount: f(14, 'uint32'),
  status: f(15, () => ({ message: f(2, 'string'), code: f(3, { names: STATUS_CODE_NAMES }) })),
});

// logs.proto
const logRecord = (): Schema => ({
  timeUnixNano: f(1, 'fixed64'),
  observedTimeUnixNano: f(11, 'fixed64'),
  severityNumber: f(2, { names: SEVERITY_NUMBERS }),
  severityText: f(3, 'string'),
  body: f(5, anyValue),
  attributes: attributes(6),
  droppedAttributesCount: f(7, 'uint32'),
  flags: f(8, 'fixed32'),
  traceId: f(9, 'hex'),
  spanId: f(10, 'hex'),
  eventName: f(12, 'string'),
});

// metrics.proto
const exemplar = (): Schema => ({
  filteredAttributes: attributes(7),
  timeUnixNano: f(2, 'fixed64'),
  asDouble: f(3, 'double'),
  asInt: f(6, 'sfixed64'),
  spanId: f(4, 'hex'),
  traceId: f(5, 'hex'),
});
const numberDataPoint = (): Schema => ({
  attributes: attributes(7),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  asDouble: f(4, 'double'),
  asInt: f(6, 'sfixed64'),
  exemplars: f(5, exemplar, true),
  flags: f(8, 'uint32'),
});
const histogramDataPoint = (): Schema => ({
  attributes: attributes(9),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  count: f(4, 'fixed64'),
  sum: f(5, 'double'),
  bucketCounts: f(6, 'fixed64', true),
  explicitBounds: f(7, 'double', true),
  exemplars: f(8, exemplar, true),
  flags: f(10, 'uint32'),
  min: f(11, 'double'),
  max: f(12, 'double'),
});
const buckets = (): Schema => ({ offset: f(1, 'sint32'), bucketCounts: f(2, 'uint64', true) });
const exponentialHistogramDataPoint = (): Schema => ({
  attributes: attributes(1),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  count: f(4, 'fixed64'),
  sum: f(5, 'double'),
  scale: f(6, 'sint32'),
  zeroCount: f(7, 'fixed64'),
  positive: f(8, buckets),
  negative: f(9, buckets),
  flags: f(10, 'uint32'),
  exemplars: f(11, exemplar, true),
  min: f(12, 'double'),
  max: f(13, 'double'),
  zeroThreshold: f(14, 'double'),
});
const summaryDataPoint = (): Schema => ({
  attributes: attributes(7),
  startTimeUnixNano: f(2, 'fixed64'),
  timeUnixNano: f(3, 'fixed64'),
  count: f(4, 'fixed64'),
  sum: f(5, 'double'),
  quantileValues: f(6, () => ({ quantile: f(1, 'double'), value: f(2, 'double') }), true),
  flags: f(8, 'uint32'),
});
const temporality = (): FieldSpec => f(2, { names: AGGREGATION_TEMPORALITY_NAMES });
const metric = (): Schema => ({
  name: f(1, 'string'),
  description: f(2, 'string'),
  unit: f(3, 'string'),
  gauge: f(5, () => ({ dataPoints: f(1, numberDataPoint, true) })),
  sum: f(7, () => ({
    dataPoints: f(1, numberDataPoint, true),
    aggregationTemporality: temporality(),
    isMonotonic: f(3, 'bool'),
  })),
  histogram: f(9, () => ({
    dataPoints: f(1, histogramDataPoint, true),
    aggregationTemporality: temporality(),
  })),
  exponentialHistogram: f(10, () => ({
    dataPoints: f(1, exponentialHistogramDataPoint, true),
    aggregationTemporality: temporality(),
  })),
  summary: f(11, () => ({ dataPoints: f(1, summaryDataPoint, true) })),
  metadata: attributes(12),
});

const REQUESTS: Record<SignalName, Schema> = {
  traces: { resourceSpans: f(1, () => envelope('scopeSpans', 'spans', span), true) },
  logs: { resourceLogs: f(1, () => envelope('scopeLogs', 'logRecords', logRecord), true) },
  metrics: { resourceMetrics: f(1, () => envelope('scopeMetrics', 'metrics', metric), true) },
};

/** The protobuf encoding of an OTLP/JSON export request of `signal`; throws what it cannot encode. */
export function otlpJsonToProtobuf(signal: SignalName, json: Buffer | string): Buffer {
  const parsed: unknown = JSON.parse(typeof json === 'string' ? json : json.toString('utf8'));
  const writer = new Writer();
  writeMessage(writer, parsed, REQUESTS[signal], signal);
  return writer.finish();
}

/** Protobuf bytes, appended; a nested message's length is filled in once it is written. */
class Writer {
  private chunks: Buffer[] = [];
  private current: Buffer = Buffer.allocUnsafe(4096);
  private at = 0;

  private room(bytes: number): void {
    if (this.at + bytes <= this.current.length) return;
    this.chunks.push(this.current.subarray(0, this.at));
    this.current = Buffer.allocUnsafe(Math.max(4096, bytes));
    this.at = 0;
  }

  varint(value: bigint): void {
    this.room(10);
    let rest = BigInt.asUintN(64, value);
    while (rest >= 0x80n) {
      this.current[this.at++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.current[this.at++] = Number(rest);
  }

  tag(number: number, wireType: number): void {
    this.varint(BigInt(number * 8 + wireType));
  }

  bytes(value: Uint8Array): void {
    this.varint(BigInt(value.length));
    this.room(value.length);
    this.current.set(value, this.at);
    this.at += value.length;
  }

  fixed64(value: bigint): void {
    this.room(8);
    this.current.writeBigUInt64LE(BigInt.asUintN(64, value), this.at);
    this.at += 8;
  }

  fixed32(value: number): void {
    this.room(4);
    this.current.writeUInt32LE(value >>> 0, this.at);
    this.at += 4;
  }

  double(value: number): void {
    this.room(8);
    this.current.writeDoubleLE(value, this.at);
    this.at += 8;
  }

  /** Everything written since `mark()`, taken out (to be written again length-prefixed). */
  mark(): { chunks: Buffer[]; current: Buffer; at: number } {
    const saved = { chunks: this.chunks, current: this.current, at: this.at };
    this.chunks = [];
    // Most nested messages (an attribute, its value) are a few dozen bytes.
    this.current = Buffer.allocUnsafe(256);
    this.at = 0;
    return saved;
  }

  restore(saved: { chunks: Buffer[]; current: Buffer; at: number }): Buffer {
    const written = this.finish();
    this.chunks = saved.chunks;
    this.current = saved.current;
    this.at = saved.at;
    return written;
  }

  finish(): Buffer {
    return Buffer.concat([...this.chunks, this.current.subarray(0, this.at)]);
  }
}

const camelCase = (key: string): string =>
  key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

function writeMessage(writer: Writer, value: unknown, schema: Schema, path: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${path}: expected an object`);
  for (const [key, fieldValue] of Object.entries(value)) {
    const spec = schema[camelCase(key)];
    if (spec === undefined || fieldValue === null || fieldValue === undefined) continue;
    const at = `${path}.${key}`;
    if (!spec.repeated) {
      writeField(writer, spec, fieldValue, at);
      continue;
    }
    if (!Array.isArray(fieldValue)) throw new Error(`${at}: expected an array`);
    if (typeof spec.kind === 'string' && spec.kind !== 'string') {
      // Repeated numbers are packed, as protobuf 3 writes them.
      const saved = writer.mark();
      fieldValue.forEach((item, index) =>
        writeScalar(writer, spec.kind as Scalar, item, `${at}[${index}]`),
      );
      const packed = writer.restore(saved);
      writer.tag(spec.number, 2);
      writer.bytes(packed);
    } else {
      fieldValue.forEach((item, index) => writeField(writer, spec, item, `${at}[${index}]`));
    }
  }
}

const WIRE_TYPES: Record<Scalar, number> = {
  string: 2,
  hex: 2,
  base64: 2,
  bool: 0,
  uint32: 0,
  int64: 0,
  uint64: 0,
  sint32: 0,
  fixed32: 5,
  fixed64: 1,
  sfixed64: 1,
  double: 1,
};

function writeField(writer: Writer, spec: FieldSpec, value: unknown, path: string): void {
  const kind = spec.kind;
  if (typeof kind === 'function') {
    const saved = writer.mark();
    writeMessage(writer, value, kind(), path);
    const message = writer.restore(saved);
    writer.tag(spec.number, 2);
    writer.bytes(message);
  } else if (typeof kind === 'object') {
    writer.tag(spec.number, 0);
    writer.varint(BigInt(enumNumber(value, kind.names, path)));
  } else {
    // An empty id is no id (the JSON encoders write "" for a root span's parent).
    if (kind === 'hex' && value === '') return;
    writer.tag(spec.number, WIRE_TYPES[kind]);
    writeScalar(writer, kind, value, path);
  }
}

function writeScalar(writer: Writer, kind: Scalar, value: unknown, path: string): void {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw new Error(`${path}: expected a string`);
      writer.bytes(Buffer.from(value, 'utf8'));
      return;
    case 'hex':
      if (typeof value !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(value))
        throw new Error(`${path}: expected hex`);
      writer.bytes(Buffer.from(value, 'hex'));
      return;
    case 'base64':
      if (typeof value !== 'string') throw new Error(`${path}: expected base64`);
      writer.bytes(Buffer.from(value, 'base64'));
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw new Error(`${path}: expected true or false`);
      writer.varint(value ? 1n : 0n);
      return;
    case 'uint32':
    case 'int64':
    case 'uint64':
      writer.varint(integer(value, path));
      return;
    case 'sint32': {
      const number = integer(value, path);
      writer.varint(number >= 0n ? number * 2n : -number * 2n - 1n);
      return;
    }
    case 'fixed32':
      writer.fixed32(Number(integer(value, path)));
      return;
    case 'fixed64':
    case 'sfixed64':
      writer.fixed64(integer(value, path));
      return;
    case 'double':
      writer.double(double(value, path));
      return;
  }
}

function integer(value: unknown, path: string): bigint {
  // Past 2^53 a JSON number is already rounded (the sender's loss); it is taken as it is.
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  throw new Error(`${path}: expected an integer, got ${JSON.stringify(value)}`);
}

function double(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  throw new Error(`${path}: expected a number, got ${JSON.stringify(value)}`);
}

function enumNumber(value: unknown, names: readonly string[], path: string): number {
  if (typeof value === 'string' && !/^\d+$/.test(value)) {
    const index = names.indexOf(value);
    if (index < 0) throw new Error(`${path}: unknown value ${JSON.stringify(value)}`);
    return index;
  }
  return Number(integer(value, path));
}
