// Decoders for OTLP/JSON export requests (the OTLP specification's JSON encoding: protobuf JSON
// mapping with lowerCamelCase keys, trace and span ids as hex, int64 as number or decimal string,
// enums as integers). Receivers are asked to accept the original snake_case field names too, and
// the protobuf JSON mapping allows enum names: both are accepted. Anything of the wrong type is an
// OtlpDecodeError naming the path, as for protobuf.
import { MAX_VALUE_DEPTH } from './decode-common';
import { OtlpDecodeError, type Rejections } from './errors';
import { setOwnMember } from './own-member';
import { ZERO_SPAN_ID, ZERO_TRACE_ID } from './protobuf-reader';
import type {
  AnyValue,
  Attributes,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  HrTime,
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
  SpanKind,
  SpanLink,
  StatusCode,
  SummaryDataPoint,
} from './model';
import { AGGREGATION_TEMPORALITY_NAMES, SPAN_KIND_NAMES, STATUS_CODE_NAMES } from './enum-names';

type JsonObject = Record<string, unknown>;

/** A signal's field names in OTLP/JSON: lowerCamelCase, and the snake_case receivers also accept. */
interface JsonEnvelopeNames {
  resource: [camel: string, snake: string];
  scope: [camel: string, snake: string];
  item: [camel: string, snake: string];
}

const TRACE_NAMES: JsonEnvelopeNames = {
  resource: ['resourceSpans', 'resource_spans'],
  scope: ['scopeSpans', 'scope_spans'],
  item: ['spans', 'spans'],
};
const LOGS_NAMES: JsonEnvelopeNames = {
  resource: ['resourceLogs', 'resource_logs'],
  scope: ['scopeLogs', 'scope_logs'],
  item: ['logRecords', 'log_records'],
};
const METRICS_NAMES: JsonEnvelopeNames = {
  resource: ['resourceMetrics', 'resource_metrics'],
  scope: ['scopeMetrics', 'scope_metrics'],
  item: ['metrics', 'metrics'],
};

/** With `rejections`, items that do not decode are counted there and left out (partial success). */
export function parseTraceRequestJson(text: string, rejections?: Rejections): ResourceSpans[] {
  return parseEnvelope(text, TRACE_NAMES, spanOf, rejections).map(({ groups, ...rest }) => ({
    ...rest,
    scopeSpans: groups.map(({ items, ...scope }) => ({ ...scope, spans: items })),
  }));
}

export function parseLogsRequestJson(text: string, rejections?: Rejections): ResourceLogs[] {
  return parseEnvelope(text, LOGS_NAMES, logRecordOf, rejections).map(({ groups, ...rest }) => ({
    ...rest,
    scopeLogs: groups.map(({ items, ...scope }) => ({ ...scope, logRecords: items })),
  }));
}

export function parseMetricsRequestJson(text: string, rejections?: Rejections): ResourceMetrics[] {
  return parseEnvelope(text, METRICS_NAMES, metricOf, rejections).map(({ groups, ...rest }) => ({
    ...rest,
    scopeMetrics: groups.map(({ items, ...scope }) => ({ ...scope, metrics: items })),
  }));
}

interface JsonScopeGroup<Item> {
  scope: InstrumentationScope;
  schemaUrl?: string;
  items: Item[];
}
interface JsonResourceGroup<Item> {
  resource: Resource;
  schemaUrl?: string;
  groups: JsonScopeGroup<Item>[];
}

/** The envelope every OTLP/JSON export request shares: resource groups → scope groups → items. */
function parseEnvelope<Item>(
  text: string,
  names: JsonEnvelopeNames,
  itemOf: (item: unknown, path: string) => Item,
  rejections: Rejections | undefined,
): JsonResourceGroup<Item>[] {
  const [resourceCamel, resourceSnake] = names.resource;
  const [scopeCamel, scopeSnake] = names.scope;
  const [itemCamel, itemSnake] = names.item;
  return list(root(text), resourceCamel, resourceSnake, resourceSnake, (item, path) => {
    const object = asObject(item, path);
    return {
      resource: resourceOf(object, path),
      groups: list(
        object,
        scopeCamel,
        scopeSnake,
        `${path}.${scopeSnake}`,
        (scopeItem, scopePath) => {
          const scopeObject = asObject(scopeItem, scopePath);
          return withSchema(scopeObject, scopePath, {
            scope: scopeOf(scopeObject, scopePath),
            items: rejections
              ? lenientList(
                  scopeObject,
                  itemCamel,
                  itemSnake,
                  `${scopePath}.${itemSnake}`,
                  itemOf,
                  rejections,
                )
              : list(scopeObject, itemCamel, itemSnake, `${scopePath}.${itemSnake}`, itemOf),
          });
        },
      ),
      ...schema(object, path),
    };
  });
}

/** As `list`, but an item that does not decode is rejected on its own. */
function lenientList<T>(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
  each: (item: unknown, path: string) => T,
  rejections: Rejections,
): T[] {
  const value = field(object, camel, snake);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  const out: T[] = [];
  for (let index = 0; index < value.length; index++) {
    try {
      out.push(each(value[index], `${path}[${index}]`));
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      rejections.reject(error);
    }
  }
  return out;
}

function root(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new OtlpDecodeError(`expected a JSON object, got ${describe(parsed)}`);
  return parsed as JsonObject;
}

function fail(path: string, problem: string): never {
  throw new OtlpDecodeError(path ? `${path}: ${problem}` : problem);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function asObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(path, `expected an object, got ${describe(value)}`);
  return value as JsonObject;
}

/** The field under its lowerCamelCase or snake_case name. */
function field(object: JsonObject, camel: string, snake: string): unknown {
  const value = object[camel];
  return value !== undefined ? value : object[snake];
}

function list<T>(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
  each: (item: unknown, path: string) => T,
): T[] {
  const value = field(object, camel, snake);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  const out: T[] = new Array<T>(value.length);
  for (let index = 0; index < value.length; index++)
    out[index] = each(value[index], `${path}[${index}]`);
  return out;
}

function string(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
): string | undefined {
  const value = field(object, camel, snake);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    fail(`${path}.${snake}`, `expected a string, got ${describe(value)}`);
  return value;
}

/** int64 / uint64 / enum: a JSON number or a decimal string. */
function integer(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return Number(value);
  return fail(path, `expected an integer, got ${describe(value)}`);
}

function optionalInteger(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
): number | undefined {
  const value = field(object, camel, snake);
  return value === undefined || value === null ? undefined : integer(value, `${path}.${snake}`);
}

function double(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    // proto3 JSON writes non-finite doubles as strings; some writers quote numbers.
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    const number = Number(value);
    if (value.trim() !== '' && !Number.isNaN(number)) return number;
  }
  return fail(path, `expected a number, got ${describe(value)}`);
}

function optionalDouble(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
): number | undefined {
  const value = field(object, camel, snake);
  return value === undefined || value === null ? undefined : double(value, `${path}.${snake}`);
}

/** Enum: integer or its protobuf name (`SPAN_KIND_SERVER`). */
function enumValue(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
  names: readonly string[],
): number {
  const value = field(object, camel, snake);
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string' && !/^\d+$/.test(value)) {
    const index = names.indexOf(value);
    if (index < 0) fail(`${path}.${snake}`, `unknown value ${JSON.stringify(value)}`);
    return index;
  }
  const number = integer(value, `${path}.${snake}`);
  if (number < 0 || number >= names.length) fail(`${path}.${snake}`, `${number} is out of range`);
  return number;
}

/** Nanoseconds since the epoch (number or decimal string) as an exact HrTime. */
function time(value: unknown, path: string): HrTime {
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    if (value.length <= 9) return [0, Number(value)];
    return [Number(value.slice(0, -9)), Number(value.slice(-9))];
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    const seconds = Math.floor(value / 1e9);
    return [seconds, Math.max(0, Math.round(value - seconds * 1e9))];
  }
  return fail(path, `expected nanoseconds since the epoch, got ${describe(value)}`);
}

function optionalTime(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
): HrTime | undefined {
  const value = field(object, camel, snake);
  if (value === undefined || value === null) return undefined;
  const parsed = time(value, `${path}.${snake}`);
  return parsed[0] === 0 && parsed[1] === 0 ? undefined : parsed;
}

const HEX_ID = /^[0-9a-fA-F]*$/;

function id(object: JsonObject, camel: string, snake: string, path: string, bytes: number): string {
  const value = field(object, camel, snake);
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string' || !HEX_ID.test(value))
    fail(`${path}.${snake}`, `expected hex, got ${describe(value)}`);
  if (value.length !== bytes * 2)
    fail(`${path}.${snake}`, `expected ${bytes} bytes, got ${value.length / 2}`);
  return value.toLowerCase();
}

function schema(object: JsonObject, path: string): { schemaUrl?: string } {
  const url = string(object, 'schemaUrl', 'schema_url', path);
  return url ? { schemaUrl: url } : {};
}

function withSchema<T extends object>(
  object: JsonObject,
  path: string,
  value: T,
): T & { schemaUrl?: string } {
  return Object.assign(value, schema(object, path));
}

function resourceOf(object: JsonObject, path: string): Resource {
  const value = field(object, 'resource', 'resource');
  if (value === undefined || value === null) return { attributes: {} };
  const resource = asObject(value, `${path}.resource`);
  const out: Resource = { attributes: attributesOf(resource, `${path}.resource`) };
  const dropped = optionalInteger(
    resource,
    'droppedAttributesCount',
    'dropped_attributes_count',
    `${path}.resource`,
  );
  if (dropped) out.droppedAttributesCount = dropped;
  return out;
}

function scopeOf(object: JsonObject, path: string): InstrumentationScope {
  const value = field(object, 'scope', 'scope');
  if (value === undefined || value === null) return { name: '' };
  const scope = asObject(value, `${path}.scope`);
  const out: InstrumentationScope = { name: string(scope, 'name', 'name', `${path}.scope`) ?? '' };
  const version = string(scope, 'version', 'version', `${path}.scope`);
  if (version) out.version = version;
  const attributes = field(scope, 'attributes', 'attributes');
  if (Array.isArray(attributes) && attributes.length > 0)
    out.attributes = attributesOf(scope, `${path}.scope`);
  return out;
}

function attributesOf(object: JsonObject, path: string): Attributes {
  const out: Attributes = {};
  keyValues(field(object, 'attributes', 'attributes'), `${path}.attributes`, out, 0);
  return out;
}

function keyValues(value: unknown, path: string, into: Attributes, depth: number): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  for (let index = 0; index < value.length; index++) {
    const entry = asObject(value[index], `${path}[${index}]`);
    const key = entry.key;
    if (typeof key !== 'string')
      fail(`${path}[${index}].key`, `expected a string, got ${describe(key)}`);
    // A `__proto__` attribute is data, not the prototype.
    setOwnMember(into, key, anyValue(entry.value, `${path}[${JSON.stringify(key)}]`, depth));
  }
}

function anyValue(value: unknown, path: string, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) fail(path, `value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (value === undefined || value === null) return undefined;
  const object = asObject(value, path);
  for (const key in object) {
    const inner = object[key];
    switch (key) {
      case 'stringValue':
      case 'string_value':
        if (typeof inner !== 'string') fail(path, `stringValue is ${describe(inner)}`);
        return inner;
      case 'boolValue':
      case 'bool_value':
        if (typeof inner !== 'boolean') fail(path, `boolValue is ${describe(inner)}`);
        return inner;
      case 'intValue':
      case 'int_value':
        return integer(inner, `${path}.intValue`);
      case 'doubleValue':
      case 'double_value':
        return double(inner, `${path}.doubleValue`);
      case 'bytesValue':
      case 'bytes_value':
        if (typeof inner !== 'string') fail(path, `bytesValue is ${describe(inner)}`);
        return new Uint8Array(Buffer.from(inner, 'base64'));
      case 'arrayValue':
      case 'array_value': {
        const values = field(asObject(inner, `${path}.arrayValue`), 'values', 'values');
        if (values === undefined || values === null) return [];
        if (!Array.isArray(values))
          fail(`${path}.arrayValue.values`, `expected an array, got ${describe(values)}`);
        return values.map((item: unknown, index) => anyValue(item, `${path}[${index}]`, depth + 1));
      }
      case 'kvlistValue':
      case 'kvlist_value': {
        const map: Attributes = {};
        keyValues(
          field(asObject(inner, `${path}.kvlistValue`), 'values', 'values'),
          path,
          map,
          depth + 1,
        );
        return map;
      }
      default:
      // An unknown member: ignored, as protobuf ignores unknown fields.
    }
  }
  return undefined;
}

const SPAN_FLAGS_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_IS_REMOTE = 0x200;

function spanOf(item: unknown, path: string): Span {
  const object = asObject(item, path);
  const traceId = id(object, 'traceId', 'trace_id', path, 16);
  const spanId = id(object, 'spanId', 'span_id', path, 8);
  if (!traceId) fail(`${path}.trace_id`, 'missing');
  if (!spanId) fail(`${path}.span_id`, 'missing');
  // The OTLP specification calls all-zero ids invalid: the span is refused (partial success).
  if (traceId === ZERO_TRACE_ID) fail(`${path}.trace_id`, 'all zeros (an invalid trace id)');
  if (spanId === ZERO_SPAN_ID) fail(`${path}.span_id`, 'all zeros (an invalid span id)');
  const span: Span = {
    traceId,
    spanId,
    name: string(object, 'name', 'name', path) ?? '',
    kind: enumValue(object, 'kind', 'kind', path, SPAN_KIND_NAMES) as SpanKind,
    startTime: optionalTime(object, 'startTimeUnixNano', 'start_time_unix_nano', path) ?? [0, 0],
    endTime: optionalTime(object, 'endTimeUnixNano', 'end_time_unix_nano', path) ?? [0, 0],
    attributes: attributesOf(object, path),
    events: list(object, 'events', 'events', `${path}.events`, eventOf),
    links: list(object, 'links', 'links', `${path}.links`, linkOf),
    status: statusOf(object, path),
  };
  const parent = id(object, 'parentSpanId', 'parent_span_id', path, 8);
  // All zeros is no parent, as in the protobuf decoder: a root span.
  if (parent && parent !== ZERO_SPAN_ID) {
    span.parentSpanId = parent;
    const flags = optionalInteger(object, 'flags', 'flags', path) ?? 0;
    if (flags & SPAN_FLAGS_HAS_IS_REMOTE)
      span.parentIsRemote = (flags & SPAN_FLAGS_IS_REMOTE) !== 0;
  }
  const traceState = string(object, 'traceState', 'trace_state', path);
  if (traceState) span.traceState = traceState;
  const dropped = optionalInteger(
    object,
    'droppedAttributesCount',
    'dropped_attributes_count',
    path,
  );
  if (dropped) span.droppedAttributesCount = dropped;
  const droppedEvents = optionalInteger(object, 'droppedEventsCount', 'dropped_events_count', path);
  if (droppedEvents) span.droppedEventsCount = droppedEvents;
  const droppedLinks = optionalInteger(object, 'droppedLinksCount', 'dropped_links_count', path);
  if (droppedLinks) span.droppedLinksCount = droppedLinks;
  return span;
}

function statusOf(object: JsonObject, path: string): Span['status'] {
  const value = field(object, 'status', 'status');
  if (value === undefined || value === null) return { code: 0 };
  const status = asObject(value, `${path}.status`);
  const out: Span['status'] = {
    code: enumValue(status, 'code', 'code', `${path}.status`, STATUS_CODE_NAMES) as StatusCode,
  };
  const message = string(status, 'message', 'message', `${path}.status`);
  if (message) out.message = message;
  return out;
}

function eventOf(item: unknown, path: string): SpanEvent {
  const object = asObject(item, path);
  const event: SpanEvent = {
    time: optionalTime(object, 'timeUnixNano', 'time_unix_nano', path) ?? [0, 0],
    name: string(object, 'name', 'name', path) ?? '',
    attributes: attributesOf(object, path),
  };
  const dropped = optionalInteger(
    object,
    'droppedAttributesCount',
    'dropped_attributes_count',
    path,
  );
  if (dropped) event.droppedAttributesCount = dropped;
  return event;
}

function linkOf(item: unknown, path: string): SpanLink {
  const object = asObject(item, path);
  const link: SpanLink = {
    traceId: id(object, 'traceId', 'trace_id', path, 16),
    spanId: id(object, 'spanId', 'span_id', path, 8),
    attributes: attributesOf(object, path),
  };
  const traceState = string(object, 'traceState', 'trace_state', path);
  if (traceState) link.traceState = traceState;
  const dropped = optionalInteger(
    object,
    'droppedAttributesCount',
    'dropped_attributes_count',
    path,
  );
  if (dropped) link.droppedAttributesCount = dropped;
  return link;
}

function logRecordOf(item: unknown, path: string): LogRecord {
  const object = asObject(item, path);
  const record: LogRecord = { attributes: attributesOf(object, path) };
  const recordTime = optionalTime(object, 'timeUnixNano', 'time_unix_nano', path);
  if (recordTime) record.time = recordTime;
  const observed = optionalTime(object, 'observedTimeUnixNano', 'observed_time_unix_nano', path);
  if (observed) record.observedTime = observed;
  const severity = field(object, 'severityNumber', 'severity_number');
  if (severity !== undefined && severity !== null) {
    record.severityNumber =
      typeof severity === 'string' && severity.startsWith('SEVERITY_NUMBER_')
        ? severityFromName(severity, `${path}.severity_number`)
        : integer(severity, `${path}.severity_number`);
  }
  const severityText = string(object, 'severityText', 'severity_text', path);
  if (severityText) record.severityText = severityText;
  const body = field(object, 'body', 'body');
  if (body !== undefined && body !== null) record.body = anyValue(body, `${path}.body`, 0);
  const dropped = optionalInteger(
    object,
    'droppedAttributesCount',
    'dropped_attributes_count',
    path,
  );
  if (dropped) record.droppedAttributesCount = dropped;
  const flags = optionalInteger(object, 'flags', 'flags', path);
  if (flags) record.flags = flags;
  const traceId = id(object, 'traceId', 'trace_id', path, 16);
  // Optional on a log record: all zeros is no trace, as an empty field.
  if (traceId && traceId !== ZERO_TRACE_ID) record.traceId = traceId;
  const spanId = id(object, 'spanId', 'span_id', path, 8);
  if (spanId && spanId !== ZERO_SPAN_ID) record.spanId = spanId;
  const eventName = string(object, 'eventName', 'event_name', path);
  if (eventName) record.eventName = eventName;
  return record;
}

const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function severityFromName(name: string, path: string): number {
  // SEVERITY_NUMBER_INFO = 9, SEVERITY_NUMBER_INFO2 = 10, …
  const match = /^SEVERITY_NUMBER_([A-Z]+)([234])?$/.exec(name);
  const base = match ? SEVERITY_NAMES.indexOf(match[1] as string) : -1;
  if (!match || base < 0) return fail(path, `unknown value ${JSON.stringify(name)}`);
  return base * 4 + 1 + (match[2] ? Number(match[2]) - 1 : 0);
}

function metricOf(item: unknown, path: string): Metric {
  const object = asObject(item, path);
  const metric: Metric = {
    name: string(object, 'name', 'name', path) ?? '',
    data: dataOf(object, path),
  };
  const description = string(object, 'description', 'description', path);
  if (description) metric.description = description;
  const unit = string(object, 'unit', 'unit', path);
  if (unit) metric.unit = unit;
  return metric;
}

function dataOf(object: JsonObject, path: string): MetricData {
  const gauge = field(object, 'gauge', 'gauge');
  if (gauge) {
    const data = asObject(gauge, `${path}.gauge`);
    return { type: 'gauge', dataPoints: points(data, `${path}.gauge`, numberPointOf) };
  }
  const sum = field(object, 'sum', 'sum');
  if (sum) {
    const data = asObject(sum, `${path}.sum`);
    const monotonic = field(data, 'isMonotonic', 'is_monotonic');
    if (monotonic !== undefined && typeof monotonic !== 'boolean')
      fail(`${path}.sum.is_monotonic`, `expected a boolean, got ${describe(monotonic)}`);
    return {
      type: 'sum',
      dataPoints: points(data, `${path}.sum`, numberPointOf),
      isMonotonic: monotonic === true,
      aggregationTemporality: temporality(data, `${path}.sum`),
    };
  }
  const histogram = field(object, 'histogram', 'histogram');
  if (histogram) {
    const data = asObject(histogram, `${path}.histogram`);
    return {
      type: 'histogram',
      dataPoints: points(data, `${path}.histogram`, histogramPointOf),
      aggregationTemporality: temporality(data, `${path}.histogram`),
    };
  }
  const exponential = field(object, 'exponentialHistogram', 'exponential_histogram');
  if (exponential) {
    const data = asObject(exponential, `${path}.exponential_histogram`);
    return {
      type: 'exponentialHistogram',
      dataPoints: points(data, `${path}.exponential_histogram`, exponentialPointOf),
      aggregationTemporality: temporality(data, `${path}.exponential_histogram`),
    };
  }
  const summary = field(object, 'summary', 'summary');
  if (summary) {
    const data = asObject(summary, `${path}.summary`);
    return { type: 'summary', dataPoints: points(data, `${path}.summary`, summaryPointOf) };
  }
  return fail(`${path}.data`, 'no gauge, sum, histogram or summary');
}

function temporality(data: JsonObject, path: string): number {
  return enumValue(
    data,
    'aggregationTemporality',
    'aggregation_temporality',
    path,
    AGGREGATION_TEMPORALITY_NAMES,
  );
}

function points<T>(
  data: JsonObject,
  path: string,
  each: (object: JsonObject, path: string) => T,
): T[] {
  return list(data, 'dataPoints', 'data_points', `${path}.data_points`, (item, itemPath) =>
    each(asObject(item, itemPath), itemPath),
  );
}

function pointTimes(object: JsonObject, path: string): { time: HrTime; startTime?: HrTime } {
  const out: { time: HrTime; startTime?: HrTime } = {
    time: optionalTime(object, 'timeUnixNano', 'time_unix_nano', path) ?? [0, 0],
  };
  const start = optionalTime(object, 'startTimeUnixNano', 'start_time_unix_nano', path);
  if (start) out.startTime = start;
  return out;
}

function numberPointOf(object: JsonObject, path: string): NumberDataPoint {
  const asDouble = field(object, 'asDouble', 'as_double');
  const asInt = field(object, 'asInt', 'as_int');
  const value =
    asDouble !== undefined && asDouble !== null
      ? double(asDouble, `${path}.as_double`)
      : asInt !== undefined && asInt !== null
        ? integer(asInt, `${path}.as_int`)
        : 0;
  return { attributes: attributesOf(object, path), ...pointTimes(object, path), value };
}

function numbers(
  object: JsonObject,
  camel: string,
  snake: string,
  path: string,
  parse: (value: unknown, path: string) => number,
): number[] {
  return list(object, camel, snake, `${path}.${snake}`, parse);
}

function histogramPointOf(object: JsonObject, path: string): HistogramDataPoint {
  const point: HistogramDataPoint = {
    attributes: attributesOf(object, path),
    ...pointTimes(object, path),
    count: optionalInteger(object, 'count', 'count', path) ?? 0,
    bucketCounts: numbers(object, 'bucketCounts', 'bucket_counts', path, integer),
    explicitBounds: numbers(object, 'explicitBounds', 'explicit_bounds', path, double),
  };
  if (
    point.bucketCounts.length > 0 &&
    point.bucketCounts.length !== point.explicitBounds.length + 1
  )
    fail(
      `${path}.bucket_counts`,
      `${point.bucketCounts.length} counts for ${point.explicitBounds.length} bounds (expected one more count than bounds)`,
    );
  addStatistics(point, object, path);
  return point;
}

function addStatistics(
  point: { sum?: number; min?: number; max?: number },
  object: JsonObject,
  path: string,
): void {
  const sum = optionalDouble(object, 'sum', 'sum', path);
  if (sum !== undefined) point.sum = sum;
  const min = optionalDouble(object, 'min', 'min', path);
  if (min !== undefined) point.min = min;
  const max = optionalDouble(object, 'max', 'max', path);
  if (max !== undefined) point.max = max;
}

function bucketsOf(
  object: JsonObject,
  name: string,
  path: string,
): ExponentialHistogramDataPoint['positive'] {
  const value = field(object, name, name);
  if (value === undefined || value === null) return { offset: 0, bucketCounts: [] };
  const buckets = asObject(value, `${path}.${name}`);
  return {
    offset: optionalInteger(buckets, 'offset', 'offset', `${path}.${name}`) ?? 0,
    bucketCounts: numbers(buckets, 'bucketCounts', 'bucket_counts', `${path}.${name}`, integer),
  };
}

function exponentialPointOf(object: JsonObject, path: string): ExponentialHistogramDataPoint {
  const point: ExponentialHistogramDataPoint = {
    attributes: attributesOf(object, path),
    ...pointTimes(object, path),
    count: optionalInteger(object, 'count', 'count', path) ?? 0,
    scale: optionalInteger(object, 'scale', 'scale', path) ?? 0,
    zeroCount: optionalInteger(object, 'zeroCount', 'zero_count', path) ?? 0,
    positive: bucketsOf(object, 'positive', path),
    negative: bucketsOf(object, 'negative', path),
  };
  addStatistics(point, object, path);
  return point;
}

function summaryPointOf(object: JsonObject, path: string): SummaryDataPoint {
  return {
    attributes: attributesOf(object, path),
    ...pointTimes(object, path),
    count: optionalInteger(object, 'count', 'count', path) ?? 0,
    sum: optionalDouble(object, 'sum', 'sum', path) ?? 0,
    quantileValues: list(
      object,
      'quantileValues',
      'quantile_values',
      `${path}.quantile_values`,
      (item, itemPath) => {
        const quantile = asObject(item, itemPath);
        return {
          quantile: optionalDouble(quantile, 'quantile', 'quantile', itemPath) ?? 0,
          value: optionalDouble(quantile, 'value', 'value', itemPath) ?? 0,
        };
      },
    ),
  };
}
