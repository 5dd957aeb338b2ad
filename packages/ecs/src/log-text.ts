// A log record's document written as text, as a span's is (span-encoder.ts): the members no
// attribute can reach from the record's fields, then its attributes from their shape's plan
// (attribute-writer.ts). The generic path (`encodeLogs`' nested objects, then JSON.stringify)
// gives the same bytes (tested against `plans: false`); it stays for what this does not cover:
// exceptions, structured bodies, resources with labels of their own (their labels come before
// `log` and `message` there), and a shape's first records.
import type { HrTime, LogRecord } from '@elkhound/otlp';
import { writePlannedAttributes, type PlanContext } from './attribute-writer';
import { finishPlannedDocument } from './document';
import { transactionIdOf } from './fields';
import type { MappedResource } from './resource';
import { isoNanos, sameTime } from './time';
import type { EcsDocument } from './types';

/** Log records' plans: no resource labels (else the generic path), no scope labels. */
const LOG_PLANS: PlanContext = {
  key: '\u0001logs',
  labels: undefined,
  numericLabels: undefined,
  scope: {},
};

// The JSON strings of the scope names and levels met (a handful each).
const LOGGERS = new Map<string, string>();
const LEVELS = new Map<string, string>();

function quoted(cache: Map<string, string>, value: string): string {
  let text = cache.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    if (cache.size < 100) cache.set(value, text);
  }
  return text;
}

/** Whether the planned text can stand for this record's document at all (before any work). */
export function plannable(record: LogRecord, resource: MappedResource): boolean {
  const body = record.body;
  return (
    resource.fields.labels === undefined &&
    resource.fields.numeric_labels === undefined &&
    (body === undefined ||
      body === null ||
      typeof body === 'string' ||
      typeof body === 'number' ||
      typeof body === 'boolean')
  );
}

/**
 * The document of a record `plannable` accepted (not an exception), or undefined when its
 * attributes' shape has no plan yet.
 */
export function encodePlannedLogRecord(
  record: LogRecord,
  time: HrTime,
  id: string,
  scopeName: string,
  level: string | undefined,
  namespace: string,
  resource: MappedResource,
): EcsDocument | undefined {
  const attributes = writePlannedAttributes(record.attributes, LOG_PLANS);
  if (attributes === undefined) return undefined;
  // The generic path's members, in its order; ids are lowercase hex from every decoder.
  let text = `"@timestamp":"${isoNanos(time)}","processor":{"event":"log"}`;
  if (record.traceId) text += `,"trace":{"id":"${record.traceId}"}`;
  if (record.spanId) text += `,"span":{"id":"${record.spanId}"}`;
  const transactionId = transactionIdOf(record.attributes);
  if (transactionId !== undefined) text += `,"transaction":{"id":${JSON.stringify(transactionId)}}`;
  // No `event.kind`, and the observed time only where it is not the record's time (log-encoder.ts).
  let event = '';
  if (record.severityNumber !== undefined)
    event += `,"severity":${Number.isFinite(record.severityNumber) ? record.severityNumber : 'null'}`;
  if (record.eventName) event += `,"action":${JSON.stringify(record.eventName)}`;
  if (record.observedTime && !sameTime(record.observedTime, time))
    event += `,"created":"${isoNanos(record.observedTime)}"`;
  if (event) text += `,"event":{${event.slice(1)}}`;
  if (level) {
    text += `,"log":{"level":${quoted(LEVELS, level)}`;
    text += scopeName ? `,"logger":${quoted(LOGGERS, scopeName)}}` : '}';
  } else if (scopeName) text += `,"log":{"logger":${quoted(LOGGERS, scopeName)}}`;
  const body = record.body;
  if (typeof body === 'string') text += `,"message":${JSON.stringify(body)}`;
  else if (typeof body === 'number' || typeof body === 'boolean')
    text += `,"message":${JSON.stringify(String(body))}`;
  return finishPlannedDocument(id, 'logs', namespace, text + attributes, resource);
}
