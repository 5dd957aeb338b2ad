// The report as aligned plain-text tables (the default output).
import type { Report } from './model';

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

export const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
export const usd = (value: number): string =>
  value === 0 ? '$0' : value < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(4)}`;
export const milliseconds = (value: number): string =>
  value >= 100 ? integer(value) : value.toFixed(1);
export const percent = (part: number, whole: number): string =>
  whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`;

function intervalName(intervalMs: number): string {
  if (intervalMs % 86_400_000 === 0) return `${intervalMs / 86_400_000}d`;
  if (intervalMs % 3_600_000 === 0) return `${intervalMs / 3_600_000}h`;
  if (intervalMs % 60_000 === 0) return `${intervalMs / 60_000}m`;
  return `${intervalMs / 1000}s`;
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
      (totals.unpricedCalls > 0
        ? ` · ${integer(totals.unpricedCalls)} unpriced calls (cost unknown)`
        : ''),
  );
  if (totals.calls === 0) {
    out.push('', 'No GenAI calls in this range.');
    return `${out.join('\n')}\n`;
  }
  const section = (title: string, body: string) => out.push('', title, body);

  section(
    'Cost and tokens by model',
    table(
      ['model', 'provider', 'calls', 'errors', 'input tokens', 'output tokens', 'cost (USD)'],
      report.byModel.map((row) => [
        row.model,
        row.provider,
        integer(row.calls),
        integer(row.errors),
        integer(row.inputTokens),
        integer(row.outputTokens),
        row.unpricedCalls === row.calls ? 'unpriced' : usd(row.cost),
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  section(
    'Cost and tokens by service',
    table(
      ['service', 'calls', 'errors', 'input tokens', 'output tokens', 'cost (USD)'],
      report.byService.map((row) => [
        row.service,
        integer(row.calls),
        integer(row.errors),
        integer(row.inputTokens),
        integer(row.outputTokens),
        usd(row.cost),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  section(
    'Latency by model (ms)',
    table(
      ['model', 'provider', 'p50', 'p95', 'p99', 'first chunk p50', 'first chunk p95'],
      report.byModel.map((row) => [
        row.model,
        row.provider,
        milliseconds(row.latencyMs.p50),
        milliseconds(row.latencyMs.p95),
        milliseconds(row.latencyMs.p99),
        row.timeToFirstChunkMs ? milliseconds(row.timeToFirstChunkMs.p50) : '–',
        row.timeToFirstChunkMs ? milliseconds(row.timeToFirstChunkMs.p95) : '–',
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  if (report.errorsByCategory.length > 0)
    section(
      'Errors by category (elkhound.error.category)',
      table(
        ['category', 'errors', 'share of calls'],
        report.errorsByCategory.map((row) => [
          row.category,
          integer(row.count),
          percent(row.count, totals.calls),
        ]),
        ['left', 'right', 'right'],
      ),
    );
  section(
    `Requests and errors over time (per ${intervalName(report.timeline.intervalMs)})`,
    table(
      ['start', 'calls', 'errors', 'error rate', 'by category', 'cost (USD)'],
      report.timeline.buckets.map((bucket) => {
        const errors = Object.values(bucket.errors).reduce((sum, count) => sum + count, 0);
        return [
          bucket.start,
          integer(bucket.calls),
          integer(errors),
          percent(errors, bucket.calls),
          Object.entries(bucket.errors)
            .map(([category, count]) => `${category} ${count}`)
            .join(', '),
          usd(Object.values(bucket.costByModel).reduce((sum, cost) => sum + cost, 0)),
        ];
      }),
      ['left', 'right', 'right', 'right', 'left', 'right'],
    ),
  );
  section(
    'Slowest calls',
    table(
      ['duration (ms)', 'model', 'service', 'span', 'time', 'trace.id'],
      report.slowest.map((call) => [
        milliseconds(call.durationMs),
        call.model,
        call.service,
        call.name,
        call.timestamp,
        call.traceId,
      ]),
      ['right', 'left', 'left', 'left', 'left', 'left'],
    ),
  );
  if (report.duplicatePrompts.length > 0) {
    const saved = report.duplicatePrompts.reduce((sum, prompt) => sum + prompt.savings, 0);
    section(
      `Duplicate prompts (elkhound.prompt.hash) — a response cache would have saved ${usd(saved)}`,
      table(
        ['prompt hash', 'calls', 'cost (USD)', 'cache saving', 'models'],
        report.duplicatePrompts.map((prompt) => [
          prompt.hash,
          integer(prompt.count),
          usd(prompt.cost),
          usd(prompt.savings),
          prompt.models.join(', '),
        ]),
        ['left', 'right', 'right', 'right', 'left'],
      ),
    );
  }
  if (report.unpriced.length > 0)
    section(
      'Unpriced models (no price known: add them with ELKHOUND_PRICING_FILE)',
      table(
        ['model', 'provider', 'calls'],
        report.unpriced.map((row) => [row.model, row.provider, integer(row.calls)]),
        ['left', 'left', 'right'],
      ),
    );
  return `${out.join('\n')}\n`;
}
