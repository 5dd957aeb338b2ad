import { hash } from 'node:crypto';
import type { HrTime, LogRecord } from '@elkhound/otlp';

// Document ids are deterministic, so the bulk `create` action turns a retry or a replay into a
// 409 and never a second copy:
// - a span: its trace id and span id (unique by definition);
// - a span event: the span's ids, `e`, and the event's index in the span;
// - a log record: a hash of what identifies it (trace and span ids, time, observed time,
//   severity, event name, body, attributes) — two identical records at the same nanosecond are
//   one record.

export function spanDocumentId(traceId: string, spanId: string): string {
  return `${traceId}${spanId}`;
}

export function spanEventDocumentId(traceId: string, spanId: string, index: number): string {
  return `${traceId}${spanId}e${index}`;
}

export function logRecordDocumentId(record: LogRecord, scopeName: string): string {
  // One string hashed in one call: the same bytes, so the same id, as the nine updates this
  // replaced (ids must not change between versions, or a replay would duplicate), ~30 % less CPU.
  const identity = `${record.traceId ?? ''}\0${record.spanId ?? ''}\0${timeKey(record.time)}\0${timeKey(
    record.observedTime,
  )}\0${record.severityNumber ?? ''}\0${record.eventName ?? ''}\0${scopeName}\0${stableJson(
    record.body,
  )}\0${attributesJson(record.attributes)}`;
  return hash('sha256', identity, 'base64url').slice(0, 32);
}

function timeKey(time: HrTime | undefined): string {
  return time ? `${time[0]}.${time[1]}` : '';
}

/**
 * JSON with object keys in sorted order (binary as `b:` + base64, undefined as `u`): the same
 * value gives the same text whatever the order its keys were set in. Written as loops, and the
 * sort skipped when the keys already are in order (attributes mostly are): it runs per log record.
 */
export function stableJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'u';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString('base64')}`;
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) text += ',';
      text += stableJson(value[index]);
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let index = 1; index < keys.length; index++) {
    if ((keys[index - 1] as string) > (keys[index] as string)) {
      keys.sort();
      break;
    }
  }
  let text = '{';
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    if (index > 0) text += ',';
    text += `${JSON.stringify(key)}:${stableJson(record[key])}`;
  }
  return `${text}}`;
}

// The last attribute names met, in their order, and what `stableJson` makes of them sorted: the
// records of one logger mostly carry the same names in the same order.
let lastNames: readonly string[] = [];
let lastSorted: readonly string[] = [];
/** `{"name":` or `,"name":` of each sorted name. */
let lastPrefixes: readonly string[] = [];

/**
 * `stableJson(attributes)`, the same text: the sorted names and their quoted prefixes are reused
 * while the names come in the same order, and a string, number or boolean value is written here.
 */
export function attributesJson(attributes: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(attributes);
  if (names.length === 0) return '{}';
  let same = names.length === lastNames.length;
  for (let index = 0; same && index < names.length; index++)
    if (names[index] !== lastNames[index]) same = false;
  if (!same) {
    lastNames = names;
    // The same order as stableJson's: it sorts the names unless they already are in order.
    lastSorted = [...names].sort();
    lastPrefixes = lastSorted.map(
      (name, index) => `${index > 0 ? ',' : '{'}${JSON.stringify(name)}:`,
    );
  }
  const sorted = lastSorted;
  const prefixes = lastPrefixes;
  let text = '';
  for (let index = 0; index < sorted.length; index++) {
    const value = attributes[sorted[index] as string];
    let valueText: string;
    if (typeof value === 'string') valueText = JSON.stringify(value);
    // As JSON.stringify writes numbers: non-finite ones are null.
    else if (typeof value === 'number') valueText = Number.isFinite(value) ? `${value}` : 'null';
    else if (typeof value === 'boolean') valueText = value ? 'true' : 'false';
    else valueText = stableJson(value);
    text += (prefixes[index] as string) + valueText;
  }
  return `${text}}`;
}
