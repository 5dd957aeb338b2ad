import type { ReportQuery } from './model';

export class ReportOptionError extends Error {
  override name = 'ReportOptionError';
}

const UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90s`, `15m`, `24h`, `7d`, `2w` → milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (!match)
    throw new ReportOptionError(
      `${option}: expected a duration like 15m, 24h or 7d, got ${JSON.stringify(text)}`,
    );
  const value = Number(match[1]) * (UNITS[match[2] as string] as number);
  if (!(value > 0))
    throw new ReportOptionError(
      `${option}: the duration must be more than 0, got ${JSON.stringify(text)}`,
    );
  return value;
}

/** An ISO date/time, or a duration back from now (`--until 1h` = an hour ago). */
export function parseTime(text: string, option: string, now: number): Date {
  if (/^\d+(?:\.\d+)?[smhdw]$/.test(text.trim()))
    return new Date(now - parseDuration(text, option));
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new ReportOptionError(
      `${option}: expected an ISO time (2026-11-22T10:00:00Z) or a duration back from now (24h), got ${JSON.stringify(text)}`,
    );
  return new Date(time);
}

export function makeQuery(
  options: { since?: string; until?: string; service?: string; model?: string; top?: string },
  now = Date.now(),
): ReportQuery {
  const since = parseTime(options.since ?? '24h', '--since', now);
  const until =
    options.until !== undefined ? parseTime(options.until, '--until', now) : new Date(now);
  if (since.getTime() >= until.getTime())
    throw new ReportOptionError(
      `--since (${since.toISOString()}) must be before --until (${until.toISOString()})`,
    );
  let top = 10;
  if (options.top !== undefined) {
    top = Number(options.top);
    if (!Number.isInteger(top) || top < 1 || top > 1000)
      throw new ReportOptionError(
        `--top: expected a whole number from 1 to 1000, got ${JSON.stringify(options.top)}`,
      );
  }
  const query: ReportQuery = { since, until, top };
  if (options.service) query.service = options.service;
  if (options.model) query.model = options.model;
  return query;
}
