// The report as one self-contained HTML page: the tables of the terminal report and four SVG
// charts drawn here (no script, no stylesheet or font from elsewhere), so the file can be mailed,
// attached to a ticket or opened offline. Every text from the data is escaped.
import type { Report } from './model';
import { integer, milliseconds, percent, tables, usd } from './tables';

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function colour(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

interface Series {
  name: string;
  values: number[];
}

const WIDTH = 880;
const HEIGHT = 260;
const MARGIN = { top: 16, right: 16, bottom: 56, left: 72 };

function axisLabel(value: number, format: (value: number) => string): string {
  return escapeHtml(format(value));
}

/** Stacked (or grouped) vertical bars with a legend; one group per label. */
function barChart(
  id: string,
  title: string,
  labels: string[],
  series: Series[],
  format: (value: number) => string,
  layout: 'stacked' | 'grouped',
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = labels.map((_, index) =>
    layout === 'stacked'
      ? series.reduce((sum, line) => sum + (line.values[index] ?? 0), 0)
      : Math.max(0, ...series.map((line) => line.values[index] ?? 0)),
  );
  const maximum = Math.max(...totals, 0) || 1;
  const slot = plotWidth / Math.max(1, labels.length);
  const barWidth = Math.max(
    2,
    layout === 'stacked' ? slot * 0.7 : (slot * 0.8) / Math.max(1, series.length),
  );
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="${id}" data-chart="${id}" viewBox="0 0 ${WIDTH} ${HEIGHT + 24 * Math.ceil(series.length / 4)}" role="img" aria-label="${escapeHtml(title)}">`,
  );
  // Axis and grid: four steps.
  for (let step = 0; step <= 4; step++) {
    const y = MARGIN.top + plotHeight - (plotHeight * step) / 4;
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}"/>`,
    );
    parts.push(
      `<text class="tick" x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${axisLabel((maximum * step) / 4, format)}</text>`,
    );
  }
  labels.forEach((label, index) => {
    const x = MARGIN.left + slot * index;
    let stacked = 0;
    series.forEach((line, seriesIndex) => {
      const value = line.values[index] ?? 0;
      if (value <= 0) return;
      const height = (plotHeight * value) / maximum;
      const barX =
        layout === 'stacked' ? x + (slot - barWidth) / 2 : x + slot * 0.1 + barWidth * seriesIndex;
      const barY = MARGIN.top + plotHeight - height - (layout === 'stacked' ? stacked : 0);
      if (layout === 'stacked') stacked += height;
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(line.name)}" data-label="${escapeHtml(label)}" data-value="${value}" x="${barX.toFixed(1)}" y="${barY.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(0.5, height).toFixed(1)}" fill="${colour(seriesIndex)}"><title>${escapeHtml(`${line.name} · ${label}: ${format(value)}`)}</title></rect>`,
      );
    });
    if (labels.length <= 24 || index % Math.ceil(labels.length / 24) === 0)
      parts.push(
        `<text class="label" x="${(x + slot / 2).toFixed(1)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${escapeHtml(label)}</text>`,
      );
  });
  series.forEach((line, index) => {
    const x = MARGIN.left + (index % 4) * 200;
    const y = HEIGHT + 24 * Math.floor(index / 4) - 8;
    parts.push(
      `<rect class="swatch" x="${x}" y="${y - 10}" width="12" height="12" fill="${colour(index)}"/>`,
    );
    parts.push(`<text class="legend" x="${x + 18}" y="${y}">${escapeHtml(line.name)}</text>`);
  });
  parts.push('</svg>');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>${parts.join('')}</figure>`;
}

function htmlTable(headers: string[], rows: string[][], numeric: boolean[]): string {
  const head = headers
    .map(
      (header, index) => `<th${numeric[index] ? ' class="number"' : ''}>${escapeHtml(header)}</th>`,
    )
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, index) => `<td${numeric[index] ? ' class="number"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function shortTime(iso: string, intervalMs: number): string {
  return intervalMs >= 86_400_000
    ? iso.slice(0, 10)
    : intervalMs >= 60_000
      ? iso.slice(11, 16)
      : iso.slice(11, 19);
}

export function renderHtml(report: Report): string {
  const buckets = report.timeline.buckets;
  const times = buckets.map((bucket) => shortTime(bucket.start, report.timeline.intervalMs));
  const models = [...new Set(buckets.flatMap((bucket) => Object.keys(bucket.costByModel)))].sort();
  const categories = [...new Set(buckets.flatMap((bucket) => Object.keys(bucket.errors)))].sort();
  const charts = [
    barChart(
      'cost-over-time',
      'Cost over time by model (USD)',
      times,
      models.map((model) => ({
        name: model,
        values: buckets.map((bucket) => bucket.costByModel[model] ?? 0),
      })),
      usd,
      'stacked',
    ),
    barChart(
      'latency-percentiles',
      'Latency percentiles by model (ms)',
      report.byModel.map((row) => row.model),
      (['p50', 'p95', 'p99'] as const).map((key) => ({
        name: key,
        values: report.byModel.map((row) => row.latencyMs[key]),
      })),
      milliseconds,
      'grouped',
    ),
    barChart(
      'error-rate',
      'Errors over time by elkhound.error.category (share of calls)',
      times,
      categories.map((category) => ({
        name: category,
        values: buckets.map((bucket) =>
          bucket.calls > 0 ? (bucket.errors[category] ?? 0) / bucket.calls : 0,
        ),
      })),
      (value) => `${(value * 100).toFixed(0)}%`,
      'stacked',
    ),
    barChart(
      'duplicate-prompts',
      'Duplicate prompts: calls per prompt hash',
      report.duplicatePrompts.map((prompt) =>
        prompt.hash.replace(/^(hmac-)?sha256:/, '').slice(0, 10),
      ),
      [
        {
          name: 'calls with the same prompt',
          values: report.duplicatePrompts.map((prompt) => prompt.count),
        },
      ],
      integer,
      'stacked',
    ),
  ];
  const totals = report.totals;
  const sections = tables(report)
    .filter((section) => section.rows.length > 0 || section.empty)
    .map(
      (section) =>
        `<h2>${escapeHtml(section.title)}</h2>${
          section.rows.length === 0
            ? `<p>${escapeHtml(section.empty ?? '')}</p>`
            : htmlTable(
                section.columns.map((column) => column.header),
                section.rows,
                section.columns.map((column) => column.numeric),
              )
        }`,
    );
  const filters = Object.entries(report.filters)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>elkhound report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:960px;color:#1d2433;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#5a6478;margin:0 0 12px}.totals{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0 20px}
.totals div{background:#f3f5f9;border-radius:6px;padding:8px 12px}.totals b{display:block;font-size:18px}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #e3e7ef;border-radius:6px}
.grid{stroke:#e3e7ef}.tick,.label,.legend{font-size:11px;fill:#5a6478}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e3e7ef;text-align:left}
th{background:#f3f5f9}.number{text-align:right;font-variant-numeric:tabular-nums}
td{word-break:break-all}
</style></head><body>
<h1>elkhound report</h1>
<p class="meta">${escapeHtml(report.source)}<br>${escapeHtml(report.range.since)} … ${escapeHtml(report.range.until)}${filters ? ` — ${escapeHtml(filters)}` : ''}</p>
<div class="totals">
<div>calls<b>${escapeHtml(integer(totals.calls))}</b></div>
<div>errors<b>${escapeHtml(`${integer(totals.errors)} (${percent(totals.errors, totals.calls)})`)}</b></div>
<div>input tokens<b>${escapeHtml(integer(totals.inputTokens))}</b></div>
<div>output tokens<b>${escapeHtml(integer(totals.outputTokens))}</b></div>
<div>cost<b>${escapeHtml(usd(totals.cost))}</b></div>
<div>of which estimated<b>${escapeHtml(`${usd(totals.estimatedCost)} (${percent(totals.estimatedCost, totals.cost)})`)}</b></div>
<div>unpriced calls<b>${escapeHtml(integer(totals.unpricedCalls))}</b></div>
</div>
${charts.join('\n')}
${sections.join('\n')}
</body></html>
`;
}
