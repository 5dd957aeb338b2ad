// What each table of the report shows — titles, columns and rows as text — in one place, for the
// terminal and the HTML renderers alike.
import type { Report } from './model';

export const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
export const usd = (value: number): string =>
  value === 0 ? '$0' : value < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(4)}`;
export const milliseconds = (value: number): string =>
  value >= 100 ? integer(value) : value.toFixed(1);
export const percent = (part: number, whole: number): string =>
  whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`;

export function intervalName(intervalMs: number): string {
  if (intervalMs % 86_400_000 === 0) return `${intervalMs / 86_400_000}d`;
  if (intervalMs % 3_600_000 === 0) return `${intervalMs / 3_600_000}h`;
  if (intervalMs % 60_000 === 0) return `${intervalMs / 60_000}m`;
  return `${intervalMs / 1000}s`;
}

export interface Column {
  header: string;
  /** Numbers are right-aligned. */
  numeric: boolean;
}

export interface Table {
  id: string;
  title: string;
  columns: Column[];
  rows: string[][];
  /** Shown even when it has no rows (with this text in the HTML page). */
  empty?: string;
}

const text = (header: string): Column => ({ header, numeric: false });
const number = (header: string): Column => ({ header, numeric: true });

export function cacheSaving(report: Report): number {
  return report.duplicatePrompts.reduce((sum, prompt) => sum + prompt.savings, 0);
}

/** The report's tables, in their order; sections without rows are left out (or say so). */
export function tables(report: Report): Table[] {
  const calls = report.totals.calls;
  const list: Table[] = [
    {
      id: 'by-model',
      title: 'Cost and tokens by model',
      columns: [
        text('model'),
        text('provider'),
        number('calls'),
        number('errors'),
        number('input tokens'),
        number('output tokens'),
        number('cost (USD)'),
        number('of which estimated'),
      ],
      rows: report.byModel.map((row) => [
        row.model,
        row.provider,
        integer(row.calls),
        integer(row.errors),
        integer(row.inputTokens),
        integer(row.outputTokens),
        row.unpricedCalls === row.calls ? 'unpriced' : usd(row.cost),
        row.estimatedCost > 0
          ? `${usd(row.estimatedCost)} (${percent(row.estimatedCost, row.cost)})`
          : '–',
      ]),
    },
    {
      id: 'by-service',
      title: 'Cost and tokens by service',
      columns: [
        text('service'),
        number('calls'),
        number('errors'),
        number('input tokens'),
        number('output tokens'),
        number('cost (USD)'),
      ],
      rows: report.byService.map((row) => [
        row.service,
        integer(row.calls),
        integer(row.errors),
        integer(row.inputTokens),
        integer(row.outputTokens),
        usd(row.cost),
      ]),
    },
    {
      id: 'latency',
      title: 'Latency by model (ms)',
      columns: [
        text('model'),
        text('provider'),
        number('p50'),
        number('p95'),
        number('p99'),
        number('first chunk p50'),
        number('first chunk p95'),
      ],
      rows: report.byModel.map((row) => [
        row.model,
        row.provider,
        milliseconds(row.latencyMs.p50),
        milliseconds(row.latencyMs.p95),
        milliseconds(row.latencyMs.p99),
        row.timeToFirstChunkMs ? milliseconds(row.timeToFirstChunkMs.p50) : '–',
        row.timeToFirstChunkMs ? milliseconds(row.timeToFirstChunkMs.p95) : '–',
      ]),
    },
    {
      id: 'errors',
      title: 'Errors by category (elkhound.error.category)',
      columns: [text('category'), number('errors'), number('share of calls')],
      rows: report.errorsByCategory.map((row) => [
        row.category,
        integer(row.count),
        percent(row.count, calls),
      ]),
    },
    {
      id: 'timeline',
      title: `Requests and errors over time (per ${intervalName(report.timeline.intervalMs)})`,
      columns: [
        text('start'),
        number('calls'),
        number('errors'),
        number('error rate'),
        text('by category'),
        number('cost (USD)'),
      ],
      rows: report.timeline.buckets.map((bucket) => {
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
    },
    {
      id: 'slowest',
      title: 'Slowest calls',
      columns: [
        number('duration (ms)'),
        text('model'),
        text('service'),
        text('span'),
        text('time'),
        text('trace.id'),
      ],
      rows: report.slowest.map((call) => [
        milliseconds(call.durationMs),
        call.model,
        call.service,
        call.name,
        call.timestamp,
        call.traceId,
      ]),
    },
    {
      id: 'duplicate-prompts',
      title: `Duplicate prompts (elkhound.prompt.hash) — a response cache would have saved ${usd(cacheSaving(report))}`,
      columns: [
        text('prompt hash'),
        number('calls'),
        number('cost (USD)'),
        number('cache saving'),
        text('models'),
      ],
      rows: report.duplicatePrompts.map((prompt) => [
        prompt.hash,
        integer(prompt.count),
        usd(prompt.cost),
        usd(prompt.savings),
        prompt.models.join(', '),
      ]),
    },
    {
      id: 'unpriced',
      title: 'Unpriced models (no price known: add them with ELKHOUND_PRICING_FILE)',
      columns: [text('model'), text('provider'), number('calls')],
      rows: report.unpriced.map((row) => [row.model, row.provider, integer(row.calls)]),
      empty: 'Every call had a price.',
    },
    {
      id: 'unpriced-reasons',
      title: 'Unpriced calls by reason (elkhound.cost.unpriced_reason; docs/pricing.md)',
      columns: [text('reason'), number('calls'), number('share of calls')],
      rows: report.unpricedReasons.map((row) => [
        row.reason,
        integer(row.calls),
        percent(row.calls, calls),
      ]),
    },
  ];
  return list;
}
