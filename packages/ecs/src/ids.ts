import { createHash } from 'node:crypto';
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
  const hash = createHash('sha256');
  hash.update(record.traceId ?? '');
  hash.update('\0');
  hash.update(record.spanId ?? '');
  hash.update('\0');
  hash.update(timeKey(record.time));
  hash.update('\0');
  hash.update(timeKey(record.observedTime));
  hash.update('\0');
  hash.update(String(record.severityNumber ?? ''));
  hash.update('\0');
  hash.update(record.eventName ?? '');
  hash.update('\0');
  hash.update(scopeName);
  hash.update('\0');
  hash.update(stableJson(record.body));
  hash.update('\0');
  hash.update(stableJson(record.attributes));
  return hash.digest('base64url').slice(0, 32);
}

function timeKey(time: HrTime | undefined): string {
  return time ? `${time[0]}.${time[1]}` : '';
}

export function stableJson(value: unknown): string {
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString('base64')}`;
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`)
      .join(',')}}`;
  }
  return value === undefined ? 'u' : JSON.stringify(value);
}
