// Builds a Report from ECS span documents read one at a time (the NDJSON file source). It keeps
// sums per model / service / category / prompt hash / second, and the durations of each model for
// exact percentiles (8 bytes a call), never the documents themselves.
import {
  fillGaps,
  MODEL_CALL_OPERATIONS,
  timelineInterval,
  type DuplicatePrompt,
  type ModelRow,
  type Percentiles,
  type Report,
  type ReportQuery,
  type ServiceRow,
  type SlowCall,
  type TimeBucket,
  type UnpricedReason,
} from './model';

/** The reason of an unpriced call recorded before `elkhound.cost.unpriced_reason` existed. */
export const NO_REASON = '(none)';

/** Unpriced reasons, most calls first. */
export function sortReasons(reasons: UnpricedReason[]): UnpricedReason[] {
  return reasons.sort((a, b) => b.calls - a.calls || (a.reason < b.reason ? -1 : 1));
}

type Source = Record<string, unknown>;

function object(value: unknown): Source | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Source)
    : undefined;
}

function at(document: Source, ...path: string[]): unknown {
  let value: unknown = document;
  for (const key of path) {
    const current = object(value);
    if (current === undefined) return undefined;
    value = current[key];
  }
  return value;
}

/**
 * A span's duration in ms: `span.duration.us` (every span has it since issue 15), else the
 * `event.duration` (ns) of documents written before.
 */
export function durationMsOf(micros: unknown, nanos: unknown): number {
  if (typeof micros === 'number' && Number.isFinite(micros)) return micros / 1e3;
  return number(nanos) / 1e6;
}

function number(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The model a call is reported under: the requested one (the response's may carry a date). */
export function modelOf(document: Source): string {
  return text(at(document, 'gen_ai', 'request', 'model')) ?? '(unknown)';
}

interface ModelTotals {
  row: Omit<ModelRow, 'latencyMs' | 'timeToFirstChunkMs'>;
  durations: number[];
  firstChunks: number[];
}

interface SecondBucket {
  calls: number;
  errors: Record<string, number>;
  costByModel: Record<string, number>;
}

/** Exact percentile of sorted values (nearest rank, as Elasticsearch's TDigest approximates). */
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export function percentilesOf(values: number[]): Percentiles {
  const sorted = values.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
}

export class ReportAccumulator {
  private readonly models = new Map<string, ModelTotals>();
  private readonly services = new Map<string, ServiceRow>();
  private readonly categories = new Map<string, number>();
  private readonly reasons = new Map<string, number>();
  private readonly prompts = new Map<
    string,
    { count: number; cost: number; models: Map<string, { count: number; cost: number }> }
  >();
  private readonly seconds = new Map<number, SecondBucket>();
  private slowest: SlowCall[] = [];
  private readonly sinceMs: number;
  private readonly untilMs: number;

  constructor(
    private readonly query: ReportQuery,
    private readonly source: string,
  ) {
    this.sinceMs = query.since.getTime();
    this.untilMs = query.until.getTime();
  }

  /**
   * Takes one ECS document; anything that is not a model call in the query (a request, an agent
   * or tool span, a framework's span delegated to Elkhound's own) is passed over.
   */
  add(document: Source): void {
    const operation = text(at(document, 'gen_ai', 'operation', 'name'));
    if (
      at(document, 'processor', 'event') === 'error' ||
      operation === undefined ||
      !MODEL_CALL_OPERATIONS.includes(operation) ||
      at(document, 'elkhound', 'usage', 'delegated') === true
    )
      return;
    const timestamp = text(document['@timestamp']);
    const time = timestamp ? Date.parse(timestamp) : Number.NaN;
    if (!(time >= this.sinceMs && time <= this.untilMs)) return;
    const service = text(at(document, 'service', 'name')) ?? '(unknown)';
    if (this.query.service !== undefined && service !== this.query.service) return;
    const model = modelOf(document);
    if (
      this.query.model !== undefined &&
      this.query.model !== model &&
      this.query.model !== text(at(document, 'gen_ai', 'response', 'model'))
    )
      return;
    const provider = text(at(document, 'gen_ai', 'provider', 'name')) ?? '(unknown)';
    const category = text(at(document, 'elkhound', 'error', 'category'));
    const error = category !== undefined || at(document, 'event', 'outcome') === 'failure' ? 1 : 0;
    const inputTokens = number(at(document, 'gen_ai', 'usage', 'input_tokens'));
    const outputTokens = number(at(document, 'gen_ai', 'usage', 'output_tokens'));
    const cost = number(at(document, 'elkhound', 'cost', 'total'));
    const unpriced = at(document, 'elkhound', 'cost', 'unpriced') === true ? 1 : 0;
    const estimatedCost = at(document, 'elkhound', 'cost', 'source') === 'estimated' ? cost : 0;
    if (unpriced) {
      const reason = text(at(document, 'elkhound', 'cost', 'unpriced_reason')) ?? NO_REASON;
      this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    }
    const durationMs = durationMsOf(
      at(document, 'span', 'duration', 'us'),
      at(document, 'event', 'duration'),
    );
    const firstChunk = at(document, 'gen_ai', 'response', 'time_to_first_chunk');

    const key = `${model}\u0000${provider}`;
    let totals = this.models.get(key);
    if (!totals) {
      totals = {
        row: {
          model,
          provider,
          calls: 0,
          errors: 0,
          inputTokens: 0,
          outputTokens: 0,
          cost: 0,
          estimatedCost: 0,
          unpricedCalls: 0,
        },
        durations: [],
        firstChunks: [],
      };
      this.models.set(key, totals);
    }
    const row = totals.row;
    row.calls++;
    row.errors += error;
    row.inputTokens += inputTokens;
    row.outputTokens += outputTokens;
    row.cost += cost;
    row.estimatedCost += estimatedCost;
    row.unpricedCalls += unpriced;
    totals.durations.push(durationMs);
    if (typeof firstChunk === 'number') totals.firstChunks.push(firstChunk * 1000);

    let serviceRow = this.services.get(service);
    if (!serviceRow) {
      serviceRow = { service, calls: 0, errors: 0, inputTokens: 0, outputTokens: 0, cost: 0 };
      this.services.set(service, serviceRow);
    }
    serviceRow.calls++;
    serviceRow.errors += error;
    serviceRow.inputTokens += inputTokens;
    serviceRow.outputTokens += outputTokens;
    serviceRow.cost += cost;

    if (category !== undefined)
      this.categories.set(category, (this.categories.get(category) ?? 0) + 1);

    const hash = text(at(document, 'elkhound', 'prompt', 'hash'));
    if (hash !== undefined) {
      let prompt = this.prompts.get(hash);
      if (!prompt) {
        prompt = { count: 0, cost: 0, models: new Map() };
        this.prompts.set(hash, prompt);
      }
      prompt.count++;
      prompt.cost += cost;
      const perModel = prompt.models.get(model);
      if (perModel) {
        perModel.count++;
        perModel.cost += cost;
      } else prompt.models.set(model, { count: 1, cost });
    }

    const second = Math.floor(time / 1000) * 1000;
    let bucket = this.seconds.get(second);
    if (!bucket) {
      bucket = { calls: 0, errors: {}, costByModel: {} };
      this.seconds.set(second, bucket);
    }
    bucket.calls++;
    if (category !== undefined) bucket.errors[category] = (bucket.errors[category] ?? 0) + 1;
    if (cost > 0) bucket.costByModel[model] = (bucket.costByModel[model] ?? 0) + cost;

    this.keepSlowest({
      timestamp: timestamp as string,
      service,
      model,
      name: text(at(document, 'span', 'name')) ?? '',
      durationMs,
      traceId: text(at(document, 'trace', 'id')) ?? '',
      spanId: text(at(document, 'span', 'id')) ?? '',
    });
  }

  private keepSlowest(call: SlowCall): void {
    const top = this.query.top;
    if (
      this.slowest.length >= top &&
      call.durationMs <= (this.slowest.at(-1) as SlowCall).durationMs
    )
      return;
    this.slowest.push(call);
    this.slowest.sort((a, b) => b.durationMs - a.durationMs);
    if (this.slowest.length > top) this.slowest.length = top;
  }

  report(): Report {
    const byModel: ModelRow[] = [...this.models.values()]
      .map(({ row, durations, firstChunks }) => {
        const model: ModelRow = { ...row, latencyMs: percentilesOf(durations) };
        if (firstChunks.length > 0) model.timeToFirstChunkMs = percentilesOf(firstChunks);
        return model;
      })
      .sort((a, b) => b.cost - a.cost || b.calls - a.calls);
    const byService = [...this.services.values()].sort(
      (a, b) => b.cost - a.cost || b.calls - a.calls,
    );
    const totals = {
      calls: 0,
      errors: 0,
      inputTokens: 0,
      outputTokens: 0,
      cost: 0,
      estimatedCost: 0,
      unpricedCalls: 0,
    };
    for (const row of byModel) {
      totals.calls += row.calls;
      totals.errors += row.errors;
      totals.inputTokens += row.inputTokens;
      totals.outputTokens += row.outputTokens;
      totals.cost += row.cost;
      totals.estimatedCost += row.estimatedCost;
      totals.unpricedCalls += row.unpricedCalls;
    }
    const duplicatePrompts: DuplicatePrompt[] = [...this.prompts.entries()]
      .filter(([, prompt]) => prompt.count > 1)
      .map(([hash, prompt]) => ({
        hash,
        count: prompt.count,
        cost: prompt.cost,
        savings: cacheSavings([...prompt.models.values()]),
        models: [...prompt.models.keys()].sort(),
      }))
      .sort((a, b) => b.count - a.count || b.savings - a.savings || (a.hash < b.hash ? -1 : 1))
      .slice(0, this.query.top);
    const report: Report = {
      source: this.source,
      range: { since: this.query.since.toISOString(), until: this.query.until.toISOString() },
      filters: filtersOf(this.query),
      totals,
      byModel,
      byService,
      errorsByCategory: [...this.categories.entries()]
        .map(([category, count]) => ({ category, count }))
        .sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : 1)),
      timeline: this.timeline(),
      slowest: this.slowest,
      duplicatePrompts,
      unpriced: byModel
        .filter((row) => row.unpricedCalls > 0)
        .map((row) => ({ model: row.model, provider: row.provider, calls: row.unpricedCalls })),
      unpricedReasons: sortReasons(
        [...this.reasons.entries()].map(([reason, calls]) => ({ reason, calls })),
      ),
    };
    return report;
  }

  private timeline(): Report['timeline'] {
    const seconds = [...this.seconds.keys()].sort((a, b) => a - b);
    if (seconds.length === 0) return { intervalMs: 60_000, buckets: [] };
    const intervalMs = timelineInterval(seconds[0] as number, seconds.at(-1) as number);
    const buckets = new Map<number, TimeBucket>();
    for (const second of seconds) {
      const start = Math.floor(second / intervalMs) * intervalMs;
      let bucket = buckets.get(start);
      if (!bucket) {
        bucket = { start: new Date(start).toISOString(), calls: 0, errors: {}, costByModel: {} };
        buckets.set(start, bucket);
      }
      const source = this.seconds.get(second) as SecondBucket;
      bucket.calls += source.calls;
      for (const [category, count] of Object.entries(source.errors))
        bucket.errors[category] = (bucket.errors[category] ?? 0) + count;
      for (const [model, cost] of Object.entries(source.costByModel))
        bucket.costByModel[model] = (bucket.costByModel[model] ?? 0) + cost;
    }
    return { intervalMs, buckets: fillGaps([...buckets.values()], intervalMs) };
  }
}

/**
 * A response cache (keyed by model and prompt) answers every repeat of the same prompt to the
 * same model after the first: per model, count - 1 calls at that model's average cost.
 */
export function cacheSavings(perModel: readonly { count: number; cost: number }[]): number {
  let saved = 0;
  for (const { count, cost } of perModel) if (count > 1) saved += (cost * (count - 1)) / count;
  return saved;
}

export function filtersOf(query: ReportQuery): Report['filters'] {
  const filters: Report['filters'] = {};
  if (query.service !== undefined) filters.service = query.service;
  if (query.model !== undefined) filters.model = query.model;
  return filters;
}
