// The report as aligned plain-text tables (the default output).
import type { Report } from './model';
import { integer, percent, tables, usd } from './tables';

type Align = 'left' | 'right';

export function table(headers: string[], rows: string[][], align: Align[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        align[column] === 'right'
          ? cell.padStart(widths[column] as number)
          : cell.padEnd(widths[column] as number),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

export function renderTerminal(report: Report): string {
  const out: string[] = [];
  const filters = Object.entries(report.filters)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  out.push(`elkhound report — ${report.source}`);
  out.push(`${report.range.since} … ${report.range.until}${filters ? ` — ${filters}` : ''}`);
  const totals = report.totals;
  out.push(
    `${integer(totals.calls)} calls · ${integer(totals.errors)} errors (${percent(totals.errors, totals.calls)}) · ` +
      `${integer(totals.inputTokens)} input / ${integer(totals.outputTokens)} output tokens · cost ${usd(totals.cost)}` +
      (totals.estimatedCost > 0
        ? ` (${usd(totals.estimatedCost)}, ${percent(totals.estimatedCost, totals.cost)}, on estimated tokens)`
        : '') +
      (totals.unpricedCalls > 0
        ? ` · ${integer(totals.unpricedCalls)} unpriced calls (cost unknown)`
        : ''),
  );
  if (totals.calls === 0) {
    out.push('', 'No GenAI calls in this range.');
    return `${out.join('\n')}\n`;
  }
  // Sections without rows are left out, but the timeline, the latency and the slowest calls,
  // which always have rows once there are calls.
  for (const section of tables(report)) {
    if (section.rows.length === 0) continue;
    out.push(
      '',
      section.title,
      table(
        section.columns.map((column) => column.header),
        section.rows,
        section.columns.map((column) => (column.numeric ? 'right' : 'left')),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
