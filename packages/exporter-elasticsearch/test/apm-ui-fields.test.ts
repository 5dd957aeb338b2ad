import assert from 'node:assert/strict';
import { encodeSpans } from '@elkhound/ecs';
import { elasticsearchClient } from '@elkhound/test-support';
import { BulkWriter, setupElasticsearch } from '../src';
import { loadGoldenCases } from '../../ecs/test/golden-cases';

const url = () => process.env.ELASTICSEARCH_URL as string;

// The fields Kibana's APM app queries on raw events (no aggregated APM metrics: Elkhound writes
// none, and the app falls back to transactions, spans and errors). Names from elastic/kibana
// `x-pack/platform/packages/shared/kbn-apm-types/src/es_fields/apm.ts` (the constants the APM
// app's queries use); the views that read them from the APM app's server routes
// (`x-pack/solutions/observability/plugins/apm/server/routes/…`: services, transactions, traces,
// dependencies, errors). Each is checked in the mapping Elasticsearch reports (`_field_caps`):
// present, of a type of its family, aggregatable where the app aggregates or sorts on it, and
// held by at least one written document of the events it is read on.
type Family = 'keyword' | 'long' | 'boolean' | 'date' | 'text' | 'number';
const FAMILIES: Record<Family, readonly string[]> = {
  keyword: ['keyword', 'constant_keyword'],
  long: ['long', 'integer'],
  number: ['long', 'integer', 'double', 'float', 'scaled_float'],
  boolean: ['boolean'],
  date: ['date', 'date_nanos'],
  text: ['text', 'match_only_text'],
};

interface UiField {
  readonly field: string;
  readonly family: Family;
  /** Aggregated, sorted on or collapsed by the app (needs doc values). */
  readonly aggregatable: boolean;
  /** The processor.event of the documents the app reads it on. */
  readonly on: readonly ('transaction' | 'span' | 'error')[];
  readonly views: string;
}

const T = 'transaction';
const S = 'span';
const E = 'error';

export const APM_UI_FIELDS: readonly UiField[] = [
  {
    field: '@timestamp',
    family: 'date',
    aggregatable: true,
    on: [T, S, E],
    views: 'every view: time range, histograms',
  },
  {
    field: 'processor.event',
    family: 'keyword',
    aggregatable: true,
    on: [T, S, E],
    views: 'every query: which events',
  },
  {
    field: 'service.name',
    family: 'keyword',
    aggregatable: true,
    on: [T, S, E],
    views: 'services inventory, every service view',
  },
  {
    field: 'service.environment',
    family: 'keyword',
    aggregatable: true,
    on: [T, S, E],
    views: 'environment filter',
  },
  {
    field: 'service.node.name',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'service instances',
  },
  {
    field: 'service.version',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'version markers',
  },
  {
    field: 'agent.name',
    family: 'keyword',
    aggregatable: true,
    on: [T, S, E],
    views: 'services inventory (icons, OpenTelemetry detection)',
  },
  {
    field: 'service.language.name',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'service overview',
  },
  {
    field: 'transaction.type',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'services inventory, latency, throughput, failed rate',
  },
  {
    field: 'transaction.name',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'transactions list, transaction details',
  },
  {
    field: 'transaction.id',
    family: 'keyword',
    aggregatable: true,
    on: [T, E],
    views: 'waterfall, errors ↔ transactions',
  },
  {
    field: 'transaction.duration.us',
    family: 'long',
    aggregatable: true,
    on: [T],
    views: 'latency (avg, percentiles), latency distribution',
  },
  {
    field: 'transaction.result',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'transaction details, trace samples',
  },
  {
    field: 'transaction.sampled',
    family: 'boolean',
    aggregatable: true,
    on: [T, E],
    views: 'trace samples, error → transaction link',
  },
  {
    field: 'event.outcome',
    family: 'keyword',
    aggregatable: true,
    on: [T, S],
    views: 'failed transaction rate, dependency failure rate',
  },
  {
    field: 'trace.id',
    family: 'keyword',
    aggregatable: true,
    on: [T, S, E],
    views: 'waterfall, trace samples',
  },
  {
    field: 'parent.id',
    family: 'keyword',
    aggregatable: true,
    on: [S, E],
    views: 'waterfall tree, errors on spans',
  },
  { field: 'span.id', family: 'keyword', aggregatable: true, on: [S], views: 'waterfall' },
  {
    field: 'span.name',
    family: 'keyword',
    aggregatable: true,
    on: [S],
    views: 'waterfall, dependency operations',
  },
  {
    field: 'span.type',
    family: 'keyword',
    aggregatable: true,
    on: [S],
    views: 'waterfall (icons, colours), dependencies',
  },
  {
    field: 'span.subtype',
    family: 'keyword',
    aggregatable: true,
    on: [S],
    views: 'waterfall, dependencies',
  },
  {
    field: 'span.duration.us',
    family: 'long',
    aggregatable: true,
    on: [S],
    views: 'waterfall, dependency latency',
  },
  {
    field: 'span.destination.service.resource',
    family: 'keyword',
    aggregatable: true,
    on: [S],
    views: 'dependencies, service map',
  },
  {
    field: 'service.target.type',
    family: 'keyword',
    aggregatable: true,
    on: [S],
    views: 'dependencies',
  },
  {
    field: 'service.target.name',
    family: 'keyword',
    aggregatable: true,
    on: [S],
    views: 'dependencies',
  },
  {
    field: 'timestamp.us',
    family: 'long',
    aggregatable: true,
    on: [T, S, E],
    views: 'waterfall ordering, error samples',
  },
  {
    field: 'span.representative_count',
    family: 'number',
    aggregatable: true,
    on: [S],
    views: 'throughput of sampled spans',
  },
  {
    field: 'transaction.representative_count',
    family: 'number',
    aggregatable: true,
    on: [T],
    views: 'throughput of sampled transactions',
  },
  { field: 'error.id', family: 'keyword', aggregatable: true, on: [E], views: 'error samples' },
  {
    field: 'error.grouping_key',
    family: 'keyword',
    aggregatable: true,
    on: [E],
    views: 'error groups',
  },
  {
    field: 'error.grouping_name',
    family: 'keyword',
    aggregatable: true,
    on: [E],
    views: 'error groups (name), error count rules',
  },
  {
    field: 'error.exception.message',
    family: 'text',
    aggregatable: false,
    on: [E],
    views: 'error groups (name), error search',
  },
  {
    field: 'error.exception.type',
    family: 'keyword',
    aggregatable: true,
    on: [E],
    views: 'error groups',
  },
  {
    field: 'error.exception.handled',
    family: 'boolean',
    aggregatable: true,
    on: [E],
    views: 'error groups (unhandled badge)',
  },
  {
    field: 'http.response.status_code',
    family: 'long',
    aggregatable: true,
    on: [T],
    views: 'transaction details',
  },
  {
    field: 'http.request.method',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'transaction details',
  },
  { field: 'url.full', family: 'keyword', aggregatable: true, on: [S], views: 'span details' },
  {
    field: 'host.name',
    family: 'keyword',
    aggregatable: true,
    on: [T],
    views: 'service instances, infrastructure',
  },
];

describe("the fields Kibana's APM app queries, in the mapping Elasticsearch reports", function () {
  this.timeout(60_000);

  it('are present, typed and aggregatable as the app needs, and filled by the written documents', async () => {
    await setupElasticsearch({ url: url() });
    const client = elasticsearchClient();
    const writer = new BulkWriter({ connection: { url: url() } });
    // Data streams cannot be deleted in the test distribution: a namespace of its own.
    const namespace = `apmui${Date.now()}`;
    try {
      const documents = loadGoldenCases().flatMap((goldenCase) =>
        goldenCase.input.signal === 'traces'
          ? encodeSpans(goldenCase.input.resourceSpans, { namespace })
          : [],
      );
      const outcome = await writer.send(documents);
      assert.deepEqual(
        outcome.rejected.map((rejected) => `${rejected.errorType}: ${rejected.reason}`),
        [],
      );
      const index = `traces-elkhound-${namespace},logs-elkhound-${namespace}`;
      await client.indices.refresh({ index });
      const caps = await client.fieldCaps({ index, fields: APM_UI_FIELDS.map((ui) => ui.field) });
      const problems: string[] = [];
      for (const ui of APM_UI_FIELDS) {
        const types = caps.fields[ui.field];
        if (types === undefined) {
          problems.push(`${ui.field}: missing (${ui.views})`);
          continue;
        }
        for (const [type, capability] of Object.entries(types)) {
          if (!FAMILIES[ui.family].includes(type))
            problems.push(`${ui.field}: ${type}, the APM app needs ${ui.family} (${ui.views})`);
          else if (ui.aggregatable && !capability.aggregatable)
            problems.push(`${ui.field}: not aggregatable (${ui.views})`);
        }
        const found = await client.count({
          index,
          query: {
            bool: {
              filter: [
                { exists: { field: ui.field } },
                { terms: { 'processor.event': [...ui.on] } },
              ],
            },
          },
        });
        if (found.count === 0) problems.push(`${ui.field}: in no ${ui.on.join('/')} document`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await writer.close();
      await client.close();
    }
  });
});
