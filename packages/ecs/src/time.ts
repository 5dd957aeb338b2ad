import type { HrTime } from '@elkhound/otlp';

/** RFC 3339 with nanoseconds (the templates map `@timestamp` as `date_nanos`). */
export function isoNanos(time: HrTime): string {
  const seconds = time[0];
  const nanos = time[1];
  // toISOString gives milliseconds; replace the fraction with the full nanoseconds.
  const base = new Date(seconds * 1000).toISOString();
  return `${base.slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

/** Nanoseconds between two HrTimes, exact while the difference stays below 2^53 ns (104 days). */
export function durationNanos(start: HrTime, end: HrTime): number {
  return Math.max(0, (end[0] - start[0]) * 1e9 + (end[1] - start[1]));
}
