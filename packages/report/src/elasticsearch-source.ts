// The report from Elasticsearch: two `_search` requests of aggregations over the GenAI spans of
// `traces-elkhound-*` (terms, sum, filter, percentiles, date_histogram) plus the top-N slowest
// calls as hits — the documents themselves never come to Node.
import {
  describeConnection,
  ElasticsearchTransport,
  type ElasticsearchConnectionOptions,
} from '@elkhound/exporter-elasticsearch';
import { cacheSavings, durationMsOf, filtersOf, NO_REASON, sortReasons } from './accumulator';
import {
  fillGaps,
  MODEL_CALL_OPERATIONS,
  timelineInterval,
  type ModelRow,
  type Percentiles,
  type Report,
  type ReportQuery,
  type ServiceRow,
  type SlowCall,
  type TimeBucket,
} from './model';

type Json = Record<string, unknown>;

export class ReportQueryError extends Error {
  override name = 'ReportQueryError';
}

const UNKNOWN = '(unknown)';
const ERROR_FILTER = {
  bool: {
    should: [
      { exists: { field: 'elkhound.error.category' } },
      { term: { 'event.outcome': 'failure' } },
    ],
    minimum_should_match: 1,
  },
};

function sums(): Json {
  return {
    input_tokens: { sum: { field: 'gen_ai.usage.input_tokens' } },
    output_tokens: { sum: { field: 'gen_ai.usage.output_tokens' } },
    cost: { sum: { field: 'elkhound.cost.total' } },
    errors: { filter: ERROR_FILTER },
    unpriced: { filter: { term: { 'elkhound.cost.unpriced': true } } },
    estimated: {
      filter: { term: { 'elkhound.cost.source': 'estimated' } },
      aggs: { cost: { sum: { field: 'elkhound.cost.total' } } },
    },
  };
}

function filterOf(query: ReportQuery): Json {
  const filter: Json[] = [
    {
      range: {
        '@timestamp': {
          gte: query.since.toISOString(),
          lte: query.until.toISOString(),
          format: 'strict_date_optional_time',
        },
      },
    },
    { terms: { 'gen_ai.operation.name': MODEL_CALL_OPERATIONS } },
  ];
  if (query.service !== undefined) filter.push({ term: { 'service.name': query.service } });
  if (query.model !== undefined)
    filter.push({
      bool: {
        should: [
          { term: { 'gen_ai.request.model': query.model } },
          { term: { 'gen_ai.response.model': query.model } },
        ],
        minimum_should_match: 1,
      },
    });
  return { bool: { filter, must_not: [{ term: { 'elkhound.usage.delegated': true } }] } };
}

function value(aggregation: unknown): number {
  const result = (aggregation as { value?: unknown; doc_count?: unknown } | undefined) ?? {};
  if (typeof result.value === 'number') return result.value;
  if (typeof result.doc_count === 'number') return result.doc_count;
  return 0;
}

function buckets(aggregation: unknown): Json[] {
  return ((aggregation as { buckets?: Json[] } | undefined)?.buckets ?? []) as Json[];
}

function percentiles(aggregation: unknown, scale: number): Percentiles {
  const values = ((aggregation as { values?: Record<string, number | null> } | undefined)?.values ??
    {}) as Record<string, number | null>;
  const read = (key: string) => (values[key] ?? 0) * scale;
  return { p50: read('50.0'), p95: read('95.0'), p99: read('99.0') };
}

export class ElasticsearchReportSource {
  private readonly transport: ElasticsearchTransport;
  private readonly index: string;

  constructor(
    private readonly connection: ElasticsearchConnectionOptions,
    namespace?: string,
  ) {
    this.transport = new ElasticsearchTransport(connection);
    this.index = `traces-elkhound-${namespace ?? '*'}`;
  }

  private async search(body: Json): Promise<Json> {
    const response = await this.transport.request({
      method: 'POST',
      path: `/${encodeURIComponent(this.index).replace('%2A', '*')}/_search?ignore_unavailable=true&allow_no_indices=true`,
      body,
    });
    if (response.status !== 200 || response.body === null || typeof response.body !== 'object') {
      const text =
        typeof response.body === 'string' ? response.body : (JSON.stringify(response.body) ?? '');
      throw new ReportQueryError(
        `Elasticsearch answered ${response.status} to the report's search on ${this.index} (${describeConnection(this.connection)}): ${text.slice(0, 500)}`,
      );
    }
    return response.body as Json;
  }

  /**
   * With security on, a search over `traces-elkhound-*` by credentials that may not read it
   * finds nothing rather than failing (the wildcard resolves to no authorized index): a report of
   * "no calls" would be a lie, so ask first. A cluster without security answers this with an
   * error, and then there is nothing to check.
   */
  private async checkReadPrivilege(): Promise<void> {
    const answer = await this.transport.json<{ has_all_requested?: boolean }>({
      method: 'POST',
      path: '/_security/user/_has_privileges',
      body: { index: [{ names: [this.index], privileges: ['read'] }] },
    });
    if (answer.status === 200 && answer.body?.has_all_requested === false) {
      throw new ReportQueryError(
        `the credentials lack the index privilege [read] on ${this.index} (${describeConnection(this.connection)}); see elkhound setup --print-roles`,
      );
    }
  }

  async report(query: ReportQuery): Promise<Report> {
    await this.checkReadPrivilege();
    const filter = filterOf(query);
    const first = await this.search({
      size: query.top,
      track_total_hits: true,
      query: filter,
      // `span.duration.us`: every span's duration (µs); documents written before issue 15 have
      // `event.duration` (ns) instead, read below when the first is missing.
      sort: [{ 'span.duration.us': { order: 'desc', unmapped_type: 'long' } }],
      _source: [
        '@timestamp',
        'service.name',
        'gen_ai.request.model',
        'span.name',
        'span.id',
        'trace.id',
        'span.duration.us',
        'event.duration',
      ],
      aggs: {
        first_seen: { min: { field: '@timestamp' } },
        last_seen: { max: { field: '@timestamp' } },
        ...sums(),
        models: {
          terms: { field: 'gen_ai.request.model', size: 500, missing: UNKNOWN },
          aggs: {
            providers: {
              terms: { field: 'gen_ai.provider.name', size: 20, missing: UNKNOWN },
              aggs: {
                ...sums(),
                latency: { percentiles: { field: 'span.duration.us', percents: [50, 95, 99] } },
                first_chunk: {
                  percentiles: {
                    field: 'gen_ai.response.time_to_first_chunk',
                    percents: [50, 95, 99],
                  },
                },
                streamed: { value_count: { field: 'gen_ai.response.time_to_first_chunk' } },
              },
            },
          },
        },
        services: { terms: { field: 'service.name', size: 500, missing: UNKNOWN }, aggs: sums() },
        categories: { terms: { field: 'elkhound.error.category', size: 50 } },
        unpriced_reasons: {
          filter: { term: { 'elkhound.cost.unpriced': true } },
          aggs: {
            reasons: {
              terms: { field: 'elkhound.cost.unpriced_reason', size: 50, missing: NO_REASON },
            },
          },
        },
        prompts: {
          terms: {
            field: 'elkhound.prompt.hash',
            size: query.top,
            min_doc_count: 2,
            order: [{ _count: 'desc' }, { _key: 'asc' }],
          },
          aggs: {
            cost: { sum: { field: 'elkhound.cost.total' } },
            models: {
              terms: { field: 'gen_ai.request.model', size: 50, missing: UNKNOWN },
              aggs: { cost: { sum: { field: 'elkhound.cost.total' } } },
            },
          },
        },
      },
    });
    const aggregations = (first.aggregations ?? {}) as Json;
    const calls = ((first.hits as { total?: { value?: number } } | undefined)?.total?.value ??
      0) as number;

    const byModel: ModelRow[] = [];
    for (const model of buckets(aggregations.models)) {
      for (const provider of buckets(model.providers)) {
        const row: ModelRow = {
          model: String(model.key),
          provider: String(provider.key),
          calls: value(provider),
          errors: value(provider.errors),
          inputTokens: value(provider.input_tokens),
          outputTokens: value(provider.output_tokens),
          cost: value(provider.cost),
          estimatedCost: value((provider.estimated as Json | undefined)?.cost),
          unpricedCalls: value(provider.unpriced),
          latencyMs: percentiles(provider.latency, 1e-3),
        };
        if (value(provider.streamed) > 0)
          row.timeToFirstChunkMs = percentiles(provider.first_chunk, 1000);
        byModel.push(row);
      }
    }
    byModel.sort((a, b) => b.cost - a.cost || b.calls - a.calls);
    const byService: ServiceRow[] = buckets(aggregations.services)
      .map((service) => ({
        service: String(service.key),
        calls: value(service),
        errors: value(service.errors),
        inputTokens: value(service.input_tokens),
        outputTokens: value(service.output_tokens),
        cost: value(service.cost),
      }))
      .sort((a, b) => b.cost - a.cost || b.calls - a.calls);

    const slowest: SlowCall[] = ((first.hits as { hits?: Json[] } | undefined)?.hits ?? []).map(
      (hit) => {
        const source = (hit._source ?? {}) as Json;
        const get = (path: string) =>
          path.split('.').reduce<unknown>((node, key) => (node as Json | undefined)?.[key], source);
        return {
          timestamp: String(get('@timestamp') ?? ''),
          service: String(get('service.name') ?? UNKNOWN),
          model: String(get('gen_ai.request.model') ?? UNKNOWN),
          name: String(get('span.name') ?? ''),
          durationMs: durationMsOf(get('span.duration.us'), get('event.duration')),
          traceId: String(get('trace.id') ?? ''),
          spanId: String(get('span.id') ?? ''),
        };
      },
    );

    const firstSeen = value(aggregations.first_seen);
    const lastSeen = value(aggregations.last_seen);
    const timeline =
      calls > 0
        ? await this.timeline(filter, firstSeen, lastSeen)
        : { intervalMs: 60_000, buckets: [] };

    return {
      source: `Elasticsearch ${describeConnection(this.connection)} (${this.index})`,
      range: { since: query.since.toISOString(), until: query.until.toISOString() },
      filters: filtersOf(query),
      totals: {
        calls,
        errors: value(aggregations.errors),
        inputTokens: value(aggregations.input_tokens),
        outputTokens: value(aggregations.output_tokens),
        cost: value(aggregations.cost),
        estimatedCost: value((aggregations.estimated as Json | undefined)?.cost),
        unpricedCalls: value(aggregations.unpriced),
      },
      byModel,
      byService,
      errorsByCategory: buckets(aggregations.categories).map((category) => ({
        category: String(category.key),
        count: value(category),
      })),
      timeline,
      slowest,
      duplicatePrompts: buckets(aggregations.prompts).map((prompt) => ({
        hash: String(prompt.key),
        count: value(prompt),
        cost: value(prompt.cost),
        savings: cacheSavings(
          buckets(prompt.models).map((model) => ({ count: value(model), cost: value(model.cost) })),
        ),
        models: buckets(prompt.models)
          .map((model) => String(model.key))
          .sort(),
      })),
      unpriced: byModel
        .filter((row) => row.unpricedCalls > 0)
        .map((row) => ({ model: row.model, provider: row.provider, calls: row.unpricedCalls })),
      unpricedReasons: sortReasons(
        buckets((aggregations.unpriced_reasons as Json | undefined)?.reasons).map((bucket) => ({
          reason: String(bucket.key),
          calls: value(bucket),
        })),
      ),
    };
  }

  private async timeline(
    filter: Json,
    firstMs: number,
    lastMs: number,
  ): Promise<Report['timeline']> {
    const intervalMs = timelineInterval(firstMs, lastMs);
    const result = await this.search({
      size: 0,
      query: filter,
      aggs: {
        timeline: {
          date_histogram: {
            field: '@timestamp',
            fixed_interval: `${intervalMs}ms`,
            min_doc_count: 1,
          },
          aggs: {
            categories: { terms: { field: 'elkhound.error.category', size: 50 } },
            models: {
              terms: { field: 'gen_ai.request.model', size: 100, missing: UNKNOWN },
              aggs: { cost: { sum: { field: 'elkhound.cost.total' } } },
            },
          },
        },
      },
    });
    const aggregations = (result.aggregations ?? {}) as Json;
    const timelineBuckets: TimeBucket[] = buckets(aggregations.timeline).map((bucket) => {
      const errors: Record<string, number> = {};
      for (const category of buckets(bucket.categories))
        errors[String(category.key)] = value(category);
      const costByModel: Record<string, number> = {};
      for (const model of buckets(bucket.models)) {
        const cost = value(model.cost);
        if (cost > 0) costByModel[String(model.key)] = cost;
      }
      return {
        start: new Date(Number(bucket.key)).toISOString(),
        calls: value(bucket),
        errors,
        costByModel,
      };
    });
    return { intervalMs, buckets: fillGaps(timelineBuckets, intervalMs) };
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
