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
    attributes: span.attributes as Attributes,
    events: span.events.map((event) => ({
      time: event.time,
      name: event.name,
      attributes: (event.attributes ?? {}) as Attributes,
      droppedAttributesCount: event.droppedAttributesCount ?? 0,
    })),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: (link.attributes ?? {}) as Attributes,
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
    attributes: record.attributes as Attributes,
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
  return { attributes: resource.attributes as Attributes };
}

function fromScope(scope: SdkScope & { attributes?: unknown }): InstrumentationScope {
  const out: InstrumentationScope = { name: scope.name };
  if (scope.version) out.version = scope.version;
  if (scope.attributes) out.attributes = scope.attributes as Attributes;
  return out;
}
