// What `elkhound report` answers, whatever it reads from: one Report, rendered as terminal
// tables, JSON or an HTML page. Times are ISO strings, durations milliseconds, costs USD.

/**
 * The operations of one model call (agent and tool spans, which aggregate or orchestrate model
 * calls, are not counted); with `elkhound.usage.delegated` (a framework span whose call Elkhound
 * recorded on a span of its own) excluded, each call is counted once (docs/double-counting.md).
 */
export const MODEL_CALL_OPERATIONS = [
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
  'rerank',
];

export interface ReportQuery {
  since: Date;
  until: Date;
  service?: string;
  model?: string;
  /** Rows of the top-N sections (slowest calls, duplicate prompts). */
  top: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface ModelRow {
  model: string;
  provider: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cost: number;
  /** The part of `cost` that rests on estimated tokens (`elkhound.cost.source=estimated`). */
  estimatedCost: number;
  /** Calls with no known price (`elkhound.cost.unpriced`): their cost is missing, not 0. */
  unpricedCalls: number;
  latencyMs: Percentiles;
  /** Streaming calls only; undefined when the model had none. */
  timeToFirstChunkMs?: Percentiles;
}

export interface ServiceRow {
  service: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

export interface TimeBucket {
  start: string;
  calls: number;
  /** Errors by `elkhound.error.category`. */
  errors: Record<string, number>;
  costByModel: Record<string, number>;
}

export interface SlowCall {
  timestamp: string;
  service: string;
  model: string;
  name: string;
  durationMs: number;
  traceId: string;
  spanId: string;
}

export interface DuplicatePrompt {
  hash: string;
  count: number;
  /** What the calls with this prompt cost together. */
  cost: number;
  /** What a response cache keyed by model and prompt would have saved: every repeat after the first. */
  savings: number;
  models: string[];
}

export interface UnpricedModel {
  model: string;
  provider: string;
  calls: number;
}

/** Unpriced calls by `elkhound.cost.unpriced_reason` (`(none)`: recorded before reasons existed). */
export interface UnpricedReason {
  reason: string;
  calls: number;
}

export interface Report {
  /** Where the data came from (`Elasticsearch http://…` or `NDJSON files in …`). */
  source: string;
  range: { since: string; until: string };
  filters: { service?: string; model?: string };
  totals: {
    calls: number;
    errors: number;
    inputTokens: number;
    outputTokens: number;
    cost: number;
    /** The part of `cost` that rests on estimated tokens. */
    estimatedCost: number;
    unpricedCalls: number;
  };
  byModel: ModelRow[];
  byService: ServiceRow[];
  errorsByCategory: { category: string; count: number }[];
  /** Calls, errors and cost over time; the interval adapts to the data's extent. */
  timeline: { intervalMs: number; buckets: TimeBucket[] };
  slowest: SlowCall[];
  duplicatePrompts: DuplicatePrompt[];
  unpriced: UnpricedModel[];
  unpricedReasons: UnpricedReason[];
}

/** Intervals the timeline uses: the smallest giving at most ~40 buckets over the data. */
const INTERVALS_MS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000,
  43_200_000, 86_400_000,
];

export function timelineInterval(firstMs: number, lastMs: number): number {
  const extent = Math.max(0, lastMs - firstMs);
  return INTERVALS_MS.find((interval) => extent / interval <= 40) ?? 86_400_000;
}

/** Every interval between the first and the last bucket, the empty ones included (charts need them). */
export function fillGaps(buckets: TimeBucket[], intervalMs: number): TimeBucket[] {
  if (buckets.length < 2) return buckets;
  const byStart = new Map(buckets.map((bucket) => [Date.parse(bucket.start), bucket]));
  const first = Date.parse((buckets[0] as TimeBucket).start);
  const last = Date.parse((buckets.at(-1) as TimeBucket).start);
  const filled: TimeBucket[] = [];
  for (let start = first; start <= last; start += intervalMs)
    filled.push(
      byStart.get(start) ?? {
        start: new Date(start).toISOString(),
        calls: 0,
        errors: {},
        costByModel: {},
      },
    );
  return filled;
}
