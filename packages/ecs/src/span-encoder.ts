import type { ResourceSpans, Span, SpanEvent } from '@elkhound/otlp';
import {
  durationMicros,
  httpOutcome,
  httpStatusCode,
  representativeCount,
  spanService,
  spanServiceText,
  timestampMicros,
  timestampMicrosText,
  transactionResult,
} from './apm';
import { writePlannedAttributes, type PlanContext } from './attribute-writer';
import {
  addResource,
  finishDocument,
  finishPlannedDocument,
  scopeLabels,
  startDocument,
  type ScopeLabels,
} from './document';
import { addExceptionFields, EXCEPTION_ATTRIBUTES, EXCEPTION_EVENT } from './exception';
import { mapAttributes, setPath, transactionIdOf, type Fields } from './fields';
import { spanDocumentId, spanEventDocumentId } from './ids';
import { mapResource } from './resource';
import { durationNanos, isoNanos } from './time';
import type { EcsDocument, EncodeOptions } from './types';

const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const SERVER = 2;
const CONSUMER = 5;
/** UNSET is not a failure: only ERROR is, or an HTTP status the APM Server counts as one (apm.ts). */
const OUTCOMES = ['unknown', 'success', 'failure'] as const;

// The constant text between a span document's first values, whole.
const SPAN_TRACE = '","processor":{"event":"span"},"trace":{"id":"';
const TRANSACTION_TRACE = '","processor":{"event":"transaction"},"trace":{"id":"';
const KIND_MEMBERS = KIND_NAMES.map((kind) => `,"kind":"${kind}"`);
const UNSPECIFIED_KIND = KIND_MEMBERS[0] as string;
// `event` holds the outcome alone: `event.kind` was `event` on every document and
// `event.duration` the value of `span.duration.us` (issue 15: each field costs Elasticsearch
// about 1 µs per document).
const OUTCOME_END = OUTCOMES.map(
  (outcome) => `,"event":{"outcome":"${outcome}"},"timestamp":{"us":`,
);
const UNKNOWN_OUTCOME_END = OUTCOME_END[0] as string;
const SAMPLED = ',"sampled":true';
// `,"result":…,"sampled":true` of the results seen (a handful: HTTP status classes, Success, Error).
const RESULT_SAMPLED = new Map<string, string>();

function resultSampled(result: string): string {
  let text = RESULT_SAMPLED.get(result);
  if (text === undefined) {
    text = `,"result":${JSON.stringify(result)}${SAMPLED}`;
    if (RESULT_SAMPLED.size < 100) RESULT_SAMPLED.set(result, text);
  }
  return text;
}

/**
 * Spans → `traces-elkhound-{namespace}` documents; their events → `logs-elkhound-{namespace}`
 * documents linked by trace.id / span.id (exceptions with the ECS error fields).
 */
export function encodeSpans(
  resourceSpans: readonly ResourceSpans[],
  options: EncodeOptions = {},
): EcsDocument[] {
  const documents: EcsDocument[] = [];
  for (const group of resourceSpans) {
    const resource = mapResource(group.resource);
    const namespace = resource.namespace ?? options.namespace ?? 'default';
    for (const scopeSpans of group.scopeSpans) {
      const scope = scopeSpans.scope;
      const labels = scopeLabels(scope.name, scope.version);
      const plans = options.plans === false ? undefined : planContext(resource, labels);
      for (const span of scopeSpans.spans) {
        documents.push(encodeSpan(span, resource, namespace, labels, plans));
        for (let index = 0; index < span.events.length; index++) {
          documents.push(
            encodeSpanEvent(
              span,
              span.events[index] as SpanEvent,
              index,
              resource,
              namespace,
              scope.name,
            ),
          );
        }
      }
    }
  }
  return documents;
}

function isEntrySpan(span: Span): boolean {
  return (
    !span.parentSpanId ||
    span.parentIsRemote === true ||
    span.kind === SERVER ||
    span.kind === CONSUMER
  );
}

/** The resource's and the scope's labels, which every planned span of the group carries. */
function planContext(resource: ReturnType<typeof mapResource>, scope: ScopeLabels): PlanContext {
  const labels = resource.fields.labels as Fields | undefined;
  const numericLabels = resource.fields.numeric_labels as Fields | undefined;
  const key =
    labels === undefined && numericLabels === undefined
      ? scope.members
      : `${scope.members}\0${JSON.stringify(labels ?? null)}\0${JSON.stringify(numericLabels ?? null)}`;
  return { key, labels, numericLabels, scope: scope.fields };
}

function encodeSpan(
  span: Span,
  resource: ReturnType<typeof mapResource>,
  namespace: string,
  scope: ScopeLabels,
  plans: PlanContext | undefined,
): EcsDocument {
  const entry = isEntrySpan(span);
  // The members no attribute can reach are written as text, not built as objects to be
  // serialised: ids are lowercase hex from every decoder and from the SDK, and need no escaping.
  const name = JSON.stringify(span.name);
  // Constant text is taken whole from tables: fewer pieces for V8 to join into the document.
  let fixed = `"@timestamp":"${isoNanos(span.startTime)}${entry ? TRANSACTION_TRACE : SPAN_TRACE}${span.traceId}"},"span":{"id":"${span.spanId}","name":${name}${KIND_MEMBERS[span.kind] ?? UNSPECIFIED_KIND}`;
  if (span.links.length > 0) {
    let links = '';
    for (const link of span.links)
      links += `${links ? ',' : ''}{"trace":{"id":"${link.traceId}"},"span":{"id":"${link.spanId}"}}`;
    fixed += `,"links":[${links}]`;
  }
  // The APM UI's fields (apm.ts): durations in µs, the span's type and the service it calls.
  const nanos = durationNanos(span.startTime, span.endTime);
  const micros = durationMicros(nanos);
  const count = span.traceState === undefined ? undefined : representativeCount(span.traceState);
  const statusCode = httpStatusCode(span.attributes);
  let target = '';
  if (!entry) {
    const service = spanServiceText(spanService(span));
    fixed +=
      count === undefined
        ? `${service.span}${micros}}}`
        : `${service.span}${micros}},"representative_count":${count}}`;
    target = service.target;
  } else {
    // Transactions too: `span.duration.us` is every span's duration (the report and the
    // dashboard read it); `transaction.duration.us` beside it is the APM UI's.
    fixed += `,"duration":{"us":${micros}}}`;
  }
  if (span.parentSpanId) fixed += `,"parent":{"id":"${span.parentSpanId}"}`;
  if (entry) {
    // Every span exported was sampled: an unsampled one never leaves the app.
    const result = transactionResult(statusCode, span.status.code);
    fixed += `,"transaction":{"id":"${span.spanId}","name":${name},"type":"${transactionType(span)}","duration":{"us":${micros}}${result === undefined ? SAMPLED : resultSampled(result)}${count === undefined ? '}' : `,"representative_count":${count}}`}`;
  } else {
    // The entry span above this one, when the app's transaction processor stamped it.
    const transactionId = transactionIdOf(span.attributes);
    if (transactionId !== undefined)
      fixed += `,"transaction":{"id":${JSON.stringify(transactionId)}}`;
  }
  const outcome = span.status.code === 0 ? (httpOutcome(statusCode, entry) ?? 0) : span.status.code;
  fixed += `${OUTCOME_END[outcome] ?? UNKNOWN_OUTCOME_END}${timestampMicrosText(span.startTime)}}${target}`;
  const id = spanDocumentId(span.traceId, span.spanId);
  const errorMessage = span.status.code === 2 ? span.status.message : undefined;
  if (!errorMessage && plans !== undefined) {
    const members = writePlannedAttributes(span.attributes, plans);
    if (members !== undefined)
      return finishPlannedDocument(id, 'traces', namespace, fixed + members, resource);
  }
  const document: Fields = {};
  addResource(document, resource);
  if (errorMessage) setPath(document, 'error.message', errorMessage);
  mapAttributes(document, span.attributes);
  return finishDocument(id, 'traces', namespace, document, resource, scope, fixed);
}

function transactionType(span: Span): string {
  if (span.kind === CONSUMER) return 'messaging';
  if (span.kind === SERVER) return 'request';
  return span.attributes['gen_ai.operation.name'] !== undefined ? 'genai' : 'unknown';
}

function encodeSpanEvent(
  span: Span,
  event: SpanEvent,
  index: number,
  resource: ReturnType<typeof mapResource>,
  namespace: string,
  scopeName: string,
): EcsDocument {
  const document = startDocument(isoNanos(event.time));
  const exception = event.name === EXCEPTION_EVENT;
  const id = spanEventDocumentId(span.traceId, span.spanId, index);
  document.processor = { event: exception ? 'error' : 'log' };
  document.trace = { id: span.traceId };
  document.span = { id: span.spanId };
  const entry = isEntrySpan(span);
  const transactionId = entry ? span.spanId : transactionIdOf(span.attributes);
  if (exception) {
    // The APM UI hangs an error on the waterfall's span by `parent.id`, and reads the
    // transaction's type and sampling from the error itself.
    document.parent = { id: span.spanId };
    if (transactionId !== undefined) {
      document.transaction = entry
        ? { id: transactionId, type: transactionType(span), sampled: true }
        : { id: transactionId, sampled: true };
    }
    document.timestamp = { us: timestampMicros(event.time) };
  } else if (transactionId !== undefined) document.transaction = { id: transactionId };
  document.event = { action: event.name };
  addResource(document, resource);
  if (scopeName) setPath(document, 'log.logger', scopeName);
  const attributes = event.attributes;
  if (exception) {
    document.message = addExceptionFields(document, attributes, id) ?? event.name;
    setPath(document, 'log.level', 'error');
  } else {
    document.message = event.name;
  }
  mapAttributes(document, attributes, exception ? EXCEPTION_ATTRIBUTES : undefined);
  return finishDocument(id, 'logs', namespace, document, resource);
}
