// Adapters from the OpenTelemetry JS SDK's in-memory objects to the shared OTLP model, so the
// in-process exporters and the sidecar feed the same ECS mapping. Type imports only: the sidecar
// does not need the SDK installed.
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type {
  Attributes,
  AnyValue,
  InstrumentationScope,
  LogRecord,
  Resource,
  ResourceLogs,
  ResourceSpans,
  Span,
  SpanKind,
  StatusCode,
} from './model';
import { setOwnMember } from './own-member';

type SdkResource = ReadableSpan['resource'];
type SdkScope = ReadableSpan['instrumentationScope'];

/** Groups SDK spans by resource and instrumentation scope (by identity, as the SDK shares them). */
export function fromReadableSpans(spans: readonly ReadableSpan[]): ResourceSpans[] {
  const byResource = new Map<SdkResource, { out: ResourceSpans; scopes: Map<SdkScope, Span[]> }>();
  for (const span of spans) {
    let group = byResource.get(span.resource);
    if (!group) {
      group = {
        out: { resource: fromResource(span.resource), scopeSpans: [] },
        scopes: new Map(),
      };
      byResource.set(span.resource, group);
    }
    let list = group.scopes.get(span.instrumentationScope);
    if (!list) {
      list = [];
      group.scopes.set(span.instrumentationScope, list);
      group.out.scopeSpans.push({
        scope: fromScope(span.instrumentationScope),
        spans: list,
        ...(span.instrumentationScope.schemaUrl
          ? { schemaUrl: span.instrumentationScope.schemaUrl }
          : {}),
      });
    }
    list.push(fromReadableSpan(span));
  }
  return Array.from(byResource.values(), (group) => group.out);
}

export function fromReadableSpan(span: ReadableSpan): Span {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  const out: Span = {
    traceId: context.traceId,
    spanId: context.spanId,
    name: span.name,
    // The SDK numbers kinds from INTERNAL = 0; OTLP from UNSPECIFIED = 0.
    kind: (span.kind + 1) as SpanKind,
    startTime: span.startTime,
    endTime: span.endTime,
    attributes: sdkAttributes(span.attributes),
    events: span.events.map((event) => ({
      time: event.time,
      name: event.name,
      attributes: event.attributes ? sdkAttributes(event.attributes) : {},
      droppedAttributesCount: event.droppedAttributesCount ?? 0,
    })),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: link.attributes ? sdkAttributes(link.attributes) : {},
      droppedAttributesCount: link.droppedAttributesCount ?? 0,
    })),
    status: {
      code: span.status.code as number as StatusCode,
      ...(span.status.message ? { message: span.status.message } : {}),
    },
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
  if (parent) {
    out.parentSpanId = parent.spanId;
    out.parentIsRemote = parent.isRemote === true;
  }
  const traceState = context.traceState?.serialize();
  if (traceState) out.traceState = traceState;
  return out;
}

export function fromReadableLogRecords(records: readonly ReadableLogRecord[]): ResourceLogs[] {
  const byResource = new Map<
    SdkResource,
    { out: ResourceLogs; scopes: Map<string, LogRecord[]> }
  >();
  for (const record of records) {
    let group = byResource.get(record.resource);
    if (!group) {
      group = {
        out: { resource: fromResource(record.resource), scopeLogs: [] },
        scopes: new Map(),
      };
      byResource.set(record.resource, group);
    }
    // Log scopes are fresh objects per logger call site in some SDK paths: key by name@version.
    const scope = record.instrumentationScope;
    const key = `${scope.name}@${scope.version ?? ''}`;
    let list = group.scopes.get(key);
    if (!list) {
      list = [];
      group.scopes.set(key, list);
      group.out.scopeLogs.push({ scope: fromScope(scope), logRecords: list });
    }
    list.push(fromReadableLogRecord(record));
  }
  return Array.from(byResource.values(), (group) => group.out);
}

export function fromReadableLogRecord(record: ReadableLogRecord): LogRecord {
  const out: LogRecord = {
    time: record.hrTime,
    observedTime: record.hrTimeObserved,
    attributes: sdkAttributes(record.attributes),
    droppedAttributesCount: record.droppedAttributesCount,
  };
  if (record.severityNumber !== undefined) out.severityNumber = record.severityNumber;
  if (record.severityText !== undefined) out.severityText = record.severityText;
  if (record.body !== undefined) out.body = record.body as AnyValue;
  if (record.eventName !== undefined) out.eventName = record.eventName;
  if (record.spanContext) {
    out.traceId = record.spanContext.traceId;
    out.spanId = record.spanContext.spanId;
    out.flags = record.spanContext.traceFlags;
  }
  return out;
}

function fromResource(resource: SdkResource): Resource {
  return { attributes: sdkAttributes(resource.attributes) };
}

function fromScope(scope: SdkScope & { attributes?: unknown }): InstrumentationScope {
  const out: InstrumentationScope = { name: scope.name };
  if (scope.version) out.version = scope.version;
  if (typeof scope.attributes === 'object' && scope.attributes !== null)
    out.attributes = sdkAttributes(scope.attributes);
  return out;
}

/**
 * The SDK's attributes as the model's. The SDK stores each one with `attributes[key] = value`: a
 * `__proto__` string, number or boolean is lost there already (nothing reaches an exporter), and
 * an array, bytes or a map becomes the object's prototype instead of a member, which `for…in`
 * would then read as attributes of their own ("0", "1", …). Such an object is copied, that value
 * back as its `__proto__` member. One prototype check per object otherwise.
 */
function sdkAttributes(attributes: object): Attributes {
  const prototype = Object.getPrototypeOf(attributes) as object | null;
  if (prototype === Object.prototype || prototype === null) return attributes as Attributes;
  const copy: Attributes = {};
  for (const name of Object.keys(attributes))
    setOwnMember(copy, name, (attributes as Attributes)[name]);
  if (isAttributeValue(prototype)) setOwnMember(copy, '__proto__', prototype);
  return copy;
}

/** An array, bytes or a plain map (the SDK's copy of one): not a class's prototype. */
function isAttributeValue(prototype: object): boolean {
  return (
    Array.isArray(prototype) ||
    prototype instanceof Uint8Array ||
    (Object.getPrototypeOf(prototype) === Object.prototype &&
      !Object.hasOwn(prototype, 'constructor'))
  );
}
