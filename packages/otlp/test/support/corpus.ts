// A seeded generator of OTLP/protobuf export requests for the differential and receiver tests:
// valid requests that use every field of the traces, logs and metrics protocols (the newest
// among them: Resource.entity_refs, LogRecord.event_name, span and link flags, the Profiling
// signal's string indexes), with unknown fields of every wire type (groups included) inserted
// before and after the known fields of every message at every nesting level; and hostile bodies
// made from them. Encoded by protobufjs from the opentelemetry-proto .proto files
// (reference.ts): the bytes are what a conforming client of that release may send.
import protobuf from 'protobufjs';
import { loadOtlpRoot } from './reference';

/** The seed: ELKHOUND_FUZZ_SEED, or a fixed default (printed by the tests, to replay a run). */
export function corpusSeed(): number {
  const fromEnv = process.env.ELKHOUND_FUZZ_SEED;
  return fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : 0x0e1c4b0d;
}

/** How many requests of each signal: ELKHOUND_FUZZ_COUNT, or `fallback`. */
export function corpusCount(fallback: number): number {
  const fromEnv = Number(process.env.ELKHOUND_FUZZ_COUNT);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
}

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n) */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  uint32(): number {
    return (this.next() * 4294967296) >>> 0;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let index = 0; index < length; index++) out[index] = this.below(256);
    return out;
  }

  /** A uint64 of every size: small, 32-bit, up to 2^53 and beyond. */
  uint64(): bigint {
    switch (this.below(4)) {
      case 0:
        return BigInt(this.below(300));
      case 1:
        return BigInt(this.uint32());
      case 2:
        return BigInt(this.below(2 ** 21)) * 4294967296n + BigInt(this.uint32());
      default:
        return (BigInt(this.uint32()) << 32n) | BigInt(this.uint32());
    }
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.chance(0.5) ? this.uint64() : -this.uint64());
  }

  /** Nanoseconds since the epoch: usually now-ish, sometimes 0 or the largest fixed64. */
  timeNanos(): bigint {
    if (this.chance(0.05)) return 0n;
    if (this.chance(0.05)) return 2n ** 64n - 1n;
    return (
      1_700_000_000_000_000_000n +
      BigInt(this.below(2 ** 30)) * 1_000_000_000n +
      BigInt(this.below(1e9))
    );
  }

  double(): number {
    if (this.chance(0.1))
      return this.pick([
        0,
        -0,
        NaN,
        Infinity,
        -Infinity,
        Number.MIN_VALUE,
        Number.MAX_VALUE,
        2 ** 53 + 2,
      ]);
    return (this.next() - 0.5) * 10 ** this.below(12);
  }
}

// Keys and strings that exercise the decoder's caches and shapes: repeated names (so shapes are
// compiled and guessed), names differing by one byte, non-ASCII, empty, `__proto__`, long.
const KEYS = [
  'service.name',
  'gen_ai.request.model',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.input_tokenz',
  'http.route',
  'k',
  '',
  'clé.é',
  '键',
  '__proto__',
  'constructor',
  'x'.repeat(40),
];
const STRINGS = [
  '',
  'chat',
  'gpt-4o-mini',
  'gpt-4o-minj',
  'POST',
  'résumé ✓ 🐕',
  'a'.repeat(33),
  '\u0000',
];

/** Tags of unknown fields are written at the byte level (see UNKNOWN). */
interface UnknownField {
  field: number;
  wire: 0 | 1 | 2 | 3 | 5;
  /** varint / fixed64 (bigint), fixed32 (number), length-delimited (bytes), group (its fields). */
  value: bigint | number | Uint8Array | UnknownField[];
}

/** On a message object: unknown fields to write before and after its known ones. */
const UNKNOWN = Symbol('unknown fields');
type Message = Record<string, unknown> & {
  [UNKNOWN]?: { before: UnknownField[]; after: UnknownField[] };
};

// long.js, which protobufjs uses for 64-bit fields (typed there as a bare constructor).
const Long = protobuf.util.Long as unknown as {
  fromBits(low: number, high: number, unsigned: boolean): protobuf.Long;
};

const long = (value: bigint): protobuf.Long =>
  Long.fromBits(
    Number(value & 0xffffffffn) | 0,
    Number((value >> 32n) & 0xffffffffn) | 0,
    value >= 0n,
  ) as protobuf.Long;

function writeUnknown(writer: protobuf.Writer, fields: UnknownField[]): void {
  for (const unknown of fields) {
    writer.uint32(((unknown.field << 3) | unknown.wire) >>> 0);
    switch (unknown.wire) {
      case 0:
        writer.uint64(long(unknown.value as bigint));
        break;
      case 1:
        writer.fixed64(long(unknown.value as bigint));
        break;
      case 2:
        writer.bytes(unknown.value as Uint8Array);
        break;
      case 3:
        writeUnknown(writer, unknown.value as UnknownField[]);
        writer.uint32(((unknown.field << 3) | 4) >>> 0);
        break;
      case 5:
        writer.fixed32(unknown.value as number);
        break;
    }
  }
}

export interface GeneratedRequest {
  /** The encoded export request. */
  body: Uint8Array;
  /** Spans, log records or metric data points in it. */
  items: number;
  /** The marker values of its items, with the `marker` option. */
  markers: string[];
}

export type Signal = 'traces' | 'logs' | 'metrics';

export interface CorpusOptions {
  /** Probability that a message gets unknown fields (default 0.3). */
  unknownFields?: number;
  /**
   * An attribute every item (span, log record, data point) carries, `key` = `prefix-N` with N
   * counting from 0: a test can find each item where it landed (GeneratedRequest.markers).
   */
  marker?: { key: string; prefix: string };
}

/** Valid export requests of every shape, from a seed. */
export class OtlpCorpus {
  readonly random: Random;
  private readonly root = loadOtlpRoot();
  private readonly unknownRate: number;
  private readonly marker: CorpusOptions['marker'];
  private markers: string[] = [];
  private nextMark = 0;
  /** Per message type: the fields set, and `unknown wire N` for the unknown fields written. */
  readonly coverage = new Map<string, Set<string>>();
  private readonly requestTypes: Record<Signal, protobuf.Type>;

  constructor(
    readonly seed: number,
    options: CorpusOptions = {},
  ) {
    this.random = new Random(seed);
    this.unknownRate = options.unknownFields ?? 0.3;
    this.marker = options.marker;
    this.requestTypes = {
      traces: this.root.lookupType(
        'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
      ),
      logs: this.root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
      metrics: this.root.lookupType(
        'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
      ),
    };
    this.wrapEncoders();
  }

  request(signal: Signal): GeneratedRequest {
    const counter = { items: 0 };
    this.markers = [];
    const message = this.envelope(signal, counter);
    const body = this.requestTypes[signal].encode(message).finish();
    return { body, items: counter.items, markers: this.markers };
  }

  /**
   * Every message type's encoder writes the unknown fields its object carries around its own
   * fields; nested messages are encoded by their type's encoder, so every level gets them.
   */
  private wrapEncoders(): void {
    const types: protobuf.Type[] = [];
    const visit = (namespace: protobuf.NamespaceBase) => {
      for (const nested of namespace.nestedArray) {
        if (nested instanceof protobuf.Type) types.push(nested);
        if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
      }
    };
    visit(this.root);
    for (const type of types) {
      type.setup();
      const encode = type.encode.bind(type);
      type.encode = (message: Message, writer?: protobuf.Writer) => {
        const into = writer ?? protobuf.Writer.create();
        const unknown = message[UNKNOWN];
        this.cover(type, message);
        if (unknown) writeUnknown(into, unknown.before);
        encode(message, into);
        if (unknown) writeUnknown(into, unknown.after);
        return into;
      };
    }
  }

  private cover(type: protobuf.Type, message: Message): void {
    let seen = this.coverage.get(type.fullName);
    if (seen === undefined) this.coverage.set(type.fullName, (seen = new Set()));
    for (const field of Object.keys(message)) seen.add(field);
    const unknown = message[UNKNOWN];
    for (const field of [...(unknown?.before ?? []), ...(unknown?.after ?? [])])
      seen.add(`unknown wire ${field.wire}`);
  }

  /**
   * What the requests made so far never used: fields of the message types the three requests
   * reach, and unknown fields of each wire type in each of them.
   */
  uncovered(): string[] {
    const missing: string[] = [];
    const reached = new Set<protobuf.Type>();
    const reach = (type: protobuf.Type) => {
      if (reached.has(type)) return;
      reached.add(type);
      for (const field of type.fieldsArray)
        if (field.resolvedType instanceof protobuf.Type) reach(field.resolvedType);
    };
    for (const type of Object.values(this.requestTypes)) reach(type);
    for (const type of reached) {
      const seen = this.coverage.get(type.fullName) ?? new Set<string>();
      for (const field of type.fieldsArray)
        if (!seen.has(field.name)) missing.push(`${type.fullName}.${field.name}`);
      for (const wire of [0, 1, 2, 3, 5])
        if (!seen.has(`unknown wire ${wire}`))
          missing.push(`${type.fullName}: unknown wire ${wire}`);
    }
    return missing;
  }

  /** `message` with unknown fields, numbers `type` does not use, at times. */
  private withUnknown(typeName: string, message: Message): Message {
    if (!this.random.chance(this.unknownRate)) return message;
    const type = this.root.lookupType(typeName);
    const fields = () =>
      Array.from({ length: 1 + this.random.below(3) }, () => this.unknownField(type, 0));
    message[UNKNOWN] = {
      before: this.random.chance(0.5) ? fields() : [],
      after: this.random.chance(0.7) ? fields() : [],
    };
    return message;
  }

  private unknownField(type: protobuf.Type, depth: number): UnknownField {
    const random = this.random;
    let field: number;
    do {
      field = random.pick([
        1 + random.below(40),
        // Reserved numbers: fields of older releases (Status.deprecated_code, LogRecord's 4, …).
        ...(type.reserved ?? []).flatMap((range) =>
          Array.isArray(range) ? [range[0] as number] : [],
        ),
        1000,
        2047,
        2048,
        19_000 + random.below(1000),
        2 ** 29 - 1,
        2 ** 14 + random.below(2 ** 29 - 2 ** 14),
      ]);
    } while (type.fieldsById[field] !== undefined);
    const wire = random.pick(depth < 2 ? ([0, 1, 2, 3, 5] as const) : ([0, 1, 2, 5] as const));
    switch (wire) {
      case 0:
        return { field, wire, value: random.uint64() };
      case 1:
        return { field, wire, value: random.uint64() };
      case 2:
        return { field, wire, value: random.bytes(random.pick([0, 1, 5, 127, 128, 300])) };
      case 3:
        return {
          field,
          wire,
          value: Array.from({ length: random.below(3) }, () => this.unknownField(type, depth + 1)),
        };
      case 5:
        return { field, wire, value: random.uint32() };
    }
  }

  private envelope(signal: Signal, counter: { items: number }): Message {
    const random = this.random;
    const names = {
      traces: [
        'resource_spans',
        'scope_spans',
        'spans',
        'trace.v1.ResourceSpans',
        'trace.v1.ScopeSpans',
      ],
      logs: [
        'resource_logs',
        'scope_logs',
        'log_records',
        'logs.v1.ResourceLogs',
        'logs.v1.ScopeLogs',
      ],
      metrics: [
        'resource_metrics',
        'scope_metrics',
        'metrics',
        'metrics.v1.ResourceMetrics',
        'metrics.v1.ScopeMetrics',
      ],
    }[signal] as [string, string, string, string, string];
    const [resourceField, scopeField, itemField, resourceType, scopeType] = names;
    const groups = Array.from({ length: 1 + random.below(2) }, () => {
      const group: Message = {
        [scopeField]: Array.from({ length: random.below(3) }, () => {
          const scopeGroup: Message = {
            [itemField]: Array.from({ length: random.below(4) }, () => this.item(signal, counter)),
          };
          if (random.chance(0.8)) scopeGroup.scope = this.scope();
          if (random.chance(0.3)) scopeGroup.schema_url = random.pick(STRINGS);
          return this.withUnknown(`opentelemetry.proto.${scopeType}`, scopeGroup);
        }),
      };
      if (random.chance(0.9)) group.resource = this.resource();
      if (random.chance(0.3))
        group.schema_url = `https://opentelemetry.io/schemas/1.${random.below(40)}.0`;
      return this.withUnknown(`opentelemetry.proto.${resourceType}`, group);
    });
    const request: Message = { [resourceField]: groups };
    return this.withUnknown(
      `opentelemetry.proto.collector.${signal === 'traces' ? 'trace' : signal}.v1.Export${
        signal === 'traces' ? 'Trace' : signal === 'logs' ? 'Logs' : 'Metrics'
      }ServiceRequest`,
      request,
    );
  }

  private item(signal: Signal, counter: { items: number }): Message {
    if (signal === 'traces') {
      counter.items++;
      return this.span();
    }
    if (signal === 'logs') {
      counter.items++;
      return this.logRecord();
    }
    const metric = this.metric();
    counter.items += metric.points;
    return metric.message;
  }

  private markerAttribute(): Message[] {
    if (this.marker === undefined) return [];
    const value = `${this.marker.prefix}-${this.nextMark++}`;
    this.markers.push(value);
    return [{ key: this.marker.key, value: { string_value: value } }];
  }

  private anyValue(depth: number): Message {
    const random = this.random;
    const kind = random.below(depth < 3 ? 11 : 8);
    let value: Message;
    switch (kind) {
      case 0:
      case 1:
        value = { string_value: random.pick(STRINGS) };
        break;
      case 2:
        value = { bool_value: random.chance(0.5) };
        break;
      case 3:
        value = { int_value: long(random.int64()) };
        break;
      case 4:
        value = { double_value: random.double() };
        break;
      case 5:
        value = { bytes_value: random.bytes(random.below(9)) };
        break;
      case 6:
        // The Profiling signal's reference into its string table: other signals read the
        // value as absent (common.proto).
        value = { string_value_strindex: random.below(100) };
        break;
      case 7:
        // An AnyValue with no value at all.
        value = {};
        break;
      case 8:
      case 9:
        value = {
          array_value: this.withUnknown('opentelemetry.proto.common.v1.ArrayValue', {
            values: Array.from({ length: random.below(4) }, () => this.anyValue(depth + 1)),
          }),
        };
        break;
      default:
        value = {
          kvlist_value: this.withUnknown('opentelemetry.proto.common.v1.KeyValueList', {
            values: this.keyValues(depth + 1, 3),
          }),
        };
    }
    return this.withUnknown('opentelemetry.proto.common.v1.AnyValue', value);
  }

  private keyValues(depth: number, most = 5): Message[] {
    const random = this.random;
    return Array.from({ length: random.below(most + 1) }, () => {
      const keyValue: Message = {};
      if (random.chance(0.97)) keyValue.key = random.pick(KEYS);
      if (random.chance(0.95)) keyValue.value = this.anyValue(depth);
      // The Profiling signal's key reference: ignored elsewhere (the key stays as sent).
      if (random.chance(0.03)) keyValue.key_strindex = random.below(100);
      return this.withUnknown('opentelemetry.proto.common.v1.KeyValue', keyValue);
    });
  }

  private resource(): Message {
    const random = this.random;
    const resource: Message = { attributes: this.keyValues(0) };
    if (random.chance(0.3)) resource.dropped_attributes_count = random.below(5);
    // Resource.entity_refs (opentelemetry-proto 1.8): not in Elkhound's model, to be skipped.
    if (random.chance(0.4))
      resource.entity_refs = Array.from({ length: 1 + random.below(2) }, () =>
        this.withUnknown('opentelemetry.proto.common.v1.EntityRef', {
          schema_url: 'https://opentelemetry.io/schemas/1.37.0',
          type: random.pick(['service', 'host', 'k8s.pod']),
          id_keys: ['service.name', 'service.instance.id'],
          description_keys: random.chance(0.5) ? ['service.version'] : [],
        }),
      );
    return this.withUnknown('opentelemetry.proto.resource.v1.Resource', resource);
  }

  private scope(): Message {
    const random = this.random;
    const scope: Message = {};
    if (random.chance(0.9))
      scope.name = random.pick(['@elkhound/instrumentation-genai', 'io.x', '']);
    if (random.chance(0.6)) scope.version = random.pick(['0.1.0', '']);
    if (random.chance(0.4)) scope.attributes = this.keyValues(0, 3);
    if (random.chance(0.2)) scope.dropped_attributes_count = random.below(3);
    return this.withUnknown('opentelemetry.proto.common.v1.InstrumentationScope', scope);
  }

  /** A non-zero id: OTLP calls all-zero ids invalid. */
  private id(size: number): Uint8Array {
    const id = this.random.bytes(size);
    const at = this.random.below(size);
    id[at] = (id[at] ?? 0) | 1;
    return id;
  }

  private span(): Message {
    const random = this.random;
    const span: Message = {
      trace_id: this.id(16),
      span_id: this.id(8),
      name: random.pick(STRINGS),
      kind: random.below(6),
      start_time_unix_nano: long(random.timeNanos()),
      end_time_unix_nano: long(random.timeNanos()),
      attributes: [...this.keyValues(0, 8), ...this.markerAttribute()],
    };
    if (random.chance(0.3))
      span.trace_state = random.pick(['', 'rojo=00f067aa0ba902b7', 'a=1,b=2']);
    if (random.chance(0.7))
      span.parent_span_id = random.chance(0.05) ? new Uint8Array(8) : this.id(8);
    // SpanFlags: W3C trace flags, and whether the parent is known to be remote (bits 8 and 9).
    if (random.chance(0.6)) span.flags = random.pick([0x100, 0x300, 0x301, 0x01, random.uint32()]);
    if (random.chance(0.2)) span.dropped_attributes_count = random.below(4);
    if (random.chance(0.4))
      span.events = Array.from({ length: 1 + random.below(3) }, () => {
        const event: Message = { attributes: this.keyValues(0, 3) };
        if (random.chance(0.9)) event.time_unix_nano = long(random.timeNanos());
        if (random.chance(0.9)) event.name = random.pick(['exception', 'gen_ai.choice', '']);
        if (random.chance(0.2)) event.dropped_attributes_count = random.below(3);
        return this.withUnknown('opentelemetry.proto.trace.v1.Span.Event', event);
      });
    if (random.chance(0.2)) span.dropped_events_count = random.below(4);
    if (random.chance(0.3))
      span.links = Array.from({ length: 1 + random.below(2) }, () => {
        const link: Message = { attributes: this.keyValues(0, 3) };
        // A link to an invalid (all-zero) context is allowed when it carries attributes.
        if (random.chance(0.9))
          link.trace_id = random.chance(0.1) ? new Uint8Array(16) : this.id(16);
        if (random.chance(0.9)) link.span_id = random.chance(0.1) ? new Uint8Array(8) : this.id(8);
        if (random.chance(0.3)) link.trace_state = random.pick(['', 'k=v']);
        if (random.chance(0.2)) link.dropped_attributes_count = random.below(3);
        if (random.chance(0.5)) link.flags = random.pick([0x100, 0x301, random.uint32()]);
        return this.withUnknown('opentelemetry.proto.trace.v1.Span.Link', link);
      });
    if (random.chance(0.2)) span.dropped_links_count = random.below(4);
    if (random.chance(0.5)) {
      const status: Message = {};
      if (random.chance(0.8)) status.code = random.below(3);
      if (random.chance(0.5)) status.message = random.pick(STRINGS);
      span.status = this.withUnknown('opentelemetry.proto.trace.v1.Status', status);
    }
    return this.withUnknown('opentelemetry.proto.trace.v1.Span', span);
  }

  private logRecord(): Message {
    const random = this.random;
    const record: Message = { attributes: [...this.keyValues(0, 6), ...this.markerAttribute()] };
    if (random.chance(0.8)) record.time_unix_nano = long(random.timeNanos());
    if (random.chance(0.8)) record.observed_time_unix_nano = long(random.timeNanos());
    if (random.chance(0.7)) record.severity_number = random.below(random.chance(0.95) ? 25 : 40);
    if (random.chance(0.6)) record.severity_text = random.pick(['INFO', 'ERROR', '', 'warn']);
    if (random.chance(0.8)) record.body = this.anyValue(0);
    if (random.chance(0.2)) record.dropped_attributes_count = random.below(4);
    if (random.chance(0.4)) record.flags = random.pick([0, 1, random.uint32()]);
    if (random.chance(0.5)) record.trace_id = random.chance(0.1) ? new Uint8Array(16) : this.id(16);
    if (random.chance(0.5)) record.span_id = random.chance(0.1) ? new Uint8Array(8) : this.id(8);
    // LogRecord.event_name (opentelemetry-proto 1.5).
    if (random.chance(0.4))
      record.event_name = random.pick(['gen_ai.client.inference.operation.details', '']);
    return this.withUnknown('opentelemetry.proto.logs.v1.LogRecord', record);
  }

  private pointBase(): Message {
    const random = this.random;
    const point: Message = { attributes: [...this.keyValues(0, 4), ...this.markerAttribute()] };
    if (random.chance(0.7)) point.start_time_unix_nano = long(random.timeNanos());
    if (random.chance(0.95)) point.time_unix_nano = long(random.timeNanos());
    // DataPointFlags and exemplars: not in Elkhound's model, read and left out.
    if (random.chance(0.3)) point.flags = random.pick([0, 1, random.uint32()]);
    if (random.chance(0.2))
      point.exemplars = [
        this.withUnknown('opentelemetry.proto.metrics.v1.Exemplar', {
          filtered_attributes: this.keyValues(0, 2),
          time_unix_nano: long(random.timeNanos()),
          ...(random.chance(0.5)
            ? { as_double: random.double() }
            : { as_int: long(random.int64()) }),
          span_id: this.id(8),
          trace_id: this.id(16),
        }),
      ];
    return point;
  }

  private metric(): { message: Message; points: number } {
    const random = this.random;
    const pointCount = random.below(4);
    const metric: Message = {};
    if (random.chance(0.95)) metric.name = random.pick(['gen_ai.client.token.usage', 'm', '']);
    if (random.chance(0.5)) metric.description = random.pick(STRINGS);
    if (random.chance(0.5)) metric.unit = random.pick(['{token}', 's', '']);
    // Metric.metadata (opentelemetry-proto 1.4): not in Elkhound's model.
    if (random.chance(0.2)) metric.metadata = this.keyValues(0, 2);
    const temporality = () => random.below(3);
    const points = <T>(make: () => Message, type: string): T =>
      Array.from({ length: pointCount }, () =>
        this.withUnknown(`opentelemetry.proto.metrics.v1.${type}`, make()),
      ) as T;
    switch (random.below(5)) {
      case 0:
        metric.gauge = this.withUnknown('opentelemetry.proto.metrics.v1.Gauge', {
          data_points: points(() => this.numberPoint(), 'NumberDataPoint'),
        });
        break;
      case 1: {
        const sum: Message = { data_points: points(() => this.numberPoint(), 'NumberDataPoint') };
        if (random.chance(0.8)) sum.aggregation_temporality = temporality();
        if (random.chance(0.7)) sum.is_monotonic = random.chance(0.5);
        metric.sum = this.withUnknown('opentelemetry.proto.metrics.v1.Sum', sum);
        break;
      }
      case 2: {
        const histogram: Message = {
          data_points: points(() => this.histogramPoint(), 'HistogramDataPoint'),
        };
        if (random.chance(0.8)) histogram.aggregation_temporality = temporality();
        metric.histogram = this.withUnknown('opentelemetry.proto.metrics.v1.Histogram', histogram);
        break;
      }
      case 3: {
        const histogram: Message = {
          data_points: points(() => this.exponentialPoint(), 'ExponentialHistogramDataPoint'),
        };
        if (random.chance(0.8)) histogram.aggregation_temporality = temporality();
        metric.exponential_histogram = this.withUnknown(
          'opentelemetry.proto.metrics.v1.ExponentialHistogram',
          histogram,
        );
        break;
      }
      default:
        metric.summary = this.withUnknown('opentelemetry.proto.metrics.v1.Summary', {
          data_points: points(() => this.summaryPoint(), 'SummaryDataPoint'),
        });
    }
    return {
      message: this.withUnknown('opentelemetry.proto.metrics.v1.Metric', metric),
      points: pointCount,
    };
  }

  private numberPoint(): Message {
    const point = this.pointBase();
    if (this.random.chance(0.5)) point.as_double = this.random.double();
    else if (this.random.chance(0.9)) point.as_int = long(this.random.int64());
    return point;
  }

  /** What histograms and exponential histograms share: a point's count, sum, min and max. */
  private histogramBase(): Message {
    const random = this.random;
    const point = this.pointBase();
    if (random.chance(0.9)) point.count = long(random.uint64());
    if (random.chance(0.7)) point.sum = random.double();
    if (random.chance(0.5)) point.min = random.double();
    if (random.chance(0.5)) point.max = random.double();
    return point;
  }

  private histogramPoint(): Message {
    const random = this.random;
    const point = this.histogramBase();
    // One more count than bounds, or no buckets at all.
    if (random.chance(0.8)) {
      const bounds = Array.from({ length: random.below(6) }, () => random.double());
      point.explicit_bounds = bounds;
      point.bucket_counts = Array.from({ length: bounds.length + 1 }, () => long(random.uint64()));
    }
    return point;
  }

  private exponentialPoint(): Message {
    const random = this.random;
    const point = this.histogramBase();
    if (random.chance(0.9)) point.scale = random.below(41) - 20;
    if (random.chance(0.7)) point.zero_count = long(random.uint64());
    // zero_threshold (opentelemetry-proto 1.1): not in Elkhound's model.
    if (random.chance(0.3)) point.zero_threshold = random.double();
    const buckets = (): Message =>
      this.withUnknown('opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.Buckets', {
        ...(random.chance(0.8) ? { offset: random.below(2001) - 1000 } : {}),
        bucket_counts: Array.from({ length: random.below(6) }, () => long(random.uint64())),
      });
    if (random.chance(0.7)) point.positive = buckets();
    if (random.chance(0.5)) point.negative = buckets();
    return point;
  }

  private summaryPoint(): Message {
    const random = this.random;
    const point = this.pointBase();
    if (random.chance(0.9)) point.count = long(random.uint64());
    if (random.chance(0.8)) point.sum = random.double();
    point.quantile_values = Array.from({ length: random.below(4) }, () => {
      const quantile: Message = {};
      if (random.chance(0.9)) quantile.quantile = random.next();
      if (random.chance(0.9)) quantile.value = random.double();
      return this.withUnknown(
        'opentelemetry.proto.metrics.v1.SummaryDataPoint.ValueAtQuantile',
        quantile,
      );
    });
    return point;
  }
}
