import type { HrTime } from '@elkhound/otlp';

/** RFC 3339 with nanoseconds (the templates map `@timestamp` as `date_nanos`). */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

export function isoNanos(time: HrTime): string {
  const seconds = time[0];
  // Spans of one request share their second: format the date part once per second.
  if (seconds !== cachedSecond) {
    cachedPrefix = new Date(seconds * 1000).toISOString().slice(0, 19);
    cachedSecond = seconds;
  }
  const nanos = time[1];
  return `${cachedPrefix}.${nanos >= 100_000_000 ? nanos : String(nanos).padStart(9, '0')}Z`;
}

/** Nanoseconds between two HrTimes, exact while the difference stays below 2^53 ns (104 days). */
export function durationNanos(start: HrTime, end: HrTime): number {
  return Math.max(0, (end[0] - start[0]) * 1e9 + (end[1] - start[1]));
}

/** Whether two times are the same instant (`b` may be absent). */
export function sameTime(a: HrTime, b: HrTime | undefined): boolean {
  return b !== undefined && a[0] === b[0] && a[1] === b[1];
}
