// What an Elkhound document costs Elasticsearch against a Collector ECS document of the same span,
// and why: the same spans indexed directly (raw `_bulk`, 5 MiB bodies, 2 in flight, each variant
// on an idle node, variants alternating over the rounds), as Elkhound writes them and with one
// thing changed at a time — auto ids instead of `create` with an id, the Collector's template
// instead of Elkhound's — and the Collector's own ECS documents (captured from a Collector run)
// with and without ids. Also (issue 15) template settings laid over Elkhound's (numbers as doc
// values only, `refresh_interval`), the documents as Elkhound wrote them before issue 15's field
// changes, and without the fields the Collector's lack (the APM UI's, the per-document
// constants). Per variant: Elasticsearch's CPU per document, source bytes per document, indexed
// leaf fields, store bytes per document. One unmeasured phase per signal first (JIT warm-up).
//
// Run: ELASTICSEARCH_URL=http://127.0.0.1:9200 npm run bench:es-cost -w @elkhound/sidecar [requests]
// BENCH_ROUNDS (default 3); BENCH_VARIANTS: a regular expression of the variants to run;
// BENCH_SHOW_DOCUMENTS=1 prints one document of each kind.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { encodeLogs, encodeSpans } from '@elkhound/ecs';
import { setupElasticsearch } from '@elkhound/exporter-elasticsearch';
import { decodeLogsRequest, decodeTraceRequest } from '@elkhound/otlp';
import { uniqueNamespace } from '../test/support/sidecar-process';
import { COLLECTOR_DATA_STREAM_PREFIX, collectorTemplates } from './collector/collector-config';
import { logRequests, traceRequests } from './collector/genai-load';
import { cpuSecondsOf, elasticsearchPid } from './collector/process-stats';
import { elasticsearch, post, startCollector, waitForCount } from './collector/shippers';

const url = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';
process.env.ELASTICSEARCH_URL = url;
const requestCount = Number(process.argv[2] ?? 300);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

/** One span's document: the `_id` Elkhound gives it and a source line. */
interface Document {
  id: string;
  source: string;
}

interface Variant {
  name: string;
  documents: Document[];
  /** Data stream name for a fresh round (its template decides the mapping). */
  dataStream: () => string;
  withIds: boolean;
}

const elkhoundStream = (): string => `traces-elkhound-${uniqueNamespace('escost')}`;
const elkhoundLogsStream = (): string => `logs-elkhound-${uniqueNamespace('escost')}`;
const collectorLogsStream = (): string =>
  `logs-${COLLECTOR_DATA_STREAM_PREFIX}ecs-${uniqueNamespace('escost')}`;
const collectorStream = (): string =>
  `traces-${COLLECTOR_DATA_STREAM_PREFIX}ecs-${uniqueNamespace('escost')}`;

function bulkBodies(documents: Document[], dataStream: string, withIds: boolean): Buffer[] {
  const bodies: Buffer[] = [];
  let lines: string[] = [];
  let bytes = 0;
  for (const document of documents) {
    const action = withIds
      ? `{"create":{"_index":"${dataStream}","_id":"${document.id}"}}`
      : `{"create":{"_index":"${dataStream}"}}`;
    lines.push(action, document.source);
    bytes += action.length + document.source.length + 2;
    if (bytes >= 5 * 1024 * 1024) {
      bodies.push(Buffer.from(lines.join('\n') + '\n'));
      lines = [];
      bytes = 0;
    }
  }
  if (lines.length) bodies.push(Buffer.from(lines.join('\n') + '\n'));
  return bodies;
}

async function rawBulk(bodies: Buffer[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      for (let index = next++; index < bodies.length; index = next++) {
        const answer = await post(
          new URL('/_bulk?filter_path=errors,items.*.error', url).toString(),
          bodies[index] as Buffer,
          'application/x-ndjson',
        );
        if (answer.status !== 200 || answer.body.includes('"errors":true'))
          throw new Error(`bulk failed: ${answer.status} ${answer.body.slice(0, 500)}`);
      }
    }),
  );
}

/** Leaf values of a source (arrays count once): the fields Elasticsearch indexes for it. */
function leafValues(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 1;
  let count = 0;
  for (const child of Object.values(value)) count += leafValues(child);
  return count;
}

/** Leaf fields of a mapping (what Elasticsearch indexes per document, at most). */
function leafFields(properties: Record<string, { properties?: object; fields?: object }>): number {
  let count = 0;
  for (const field of Object.values(properties)) {
    if (field.properties) count += leafFields(field.properties as never);
    else count += 1 + (field.fields ? Object.keys(field.fields).length : 0);
  }
  return count;
}

/** The Collector's ECS documents of the same spans, keyed by Elkhound's id (trace id + span id). */
async function collectorDocuments(
  requests: Buffer[],
  signal: 'traces' | 'logs' = 'traces',
): Promise<Document[]> {
  const build = spawnSync('bash', [join(__dirname, 'collector', 'build-collector.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (build.status !== 0) return [];
  const collector = await startCollector(
    build.stdout.trim(),
    { mode: 'ecs', queue: 'memory' },
    signal,
  );
  for (const request of requests) {
    const answer = await post(collector.endpoint, request);
    if (answer.status !== 200) throw new Error(`collector answered ${answer.status}`);
  }
  const expected = requests.length * 100;
  await waitForCount(collector.dataStream, expected);
  await collector.stop();
  const documents: Document[] = [];
  let page = await elasticsearch<{
    _scroll_id?: string;
    hits: { hits: { _source: { trace?: { id?: string }; span?: { id?: string } } }[] };
  }>('POST', `/${collector.dataStream}/_search?scroll=1m`, { size: 5000, sort: ['_doc'] });
  while (page.hits.hits.length > 0) {
    for (const hit of page.hits.hits)
      documents.push({
        id: `${hit._source.trace?.id ?? ''}${hit._source.span?.id ?? ''}`,
        source: JSON.stringify(hit._source),
      });
    page = await elasticsearch('POST', '/_search/scroll', {
      scroll: '1m',
      scroll_id: page._scroll_id,
    });
  }
  return documents;
}

/** The documents with the given paths of their source removed. */
function without(documents: Document[], paths: string[][]): Document[] {
  return documents.map((document) => {
    const source = JSON.parse(document.source) as Record<string, unknown>;
    for (const path of paths) {
      let parent: Record<string, unknown> | undefined = source;
      for (const key of path.slice(0, -1)) parent = parent?.[key] as Record<string, unknown>;
      if (parent) delete parent[path.at(-1) as string];
    }
    return { id: document.id, source: JSON.stringify(source) };
  });
}

/**
 * Span documents as Elkhound wrote them before issue 15: with `event.kind` and `event.duration`
 * (ns; the µs of `span.duration.us` × 1000 here), and `span.duration.us` on spans only.
 */
function formerSpans(documents: Document[]): Document[] {
  return documents.map((document) => {
    const source = JSON.parse(document.source) as {
      event: Record<string, unknown>;
      span: { duration?: { us: number } };
      transaction?: { duration?: { us: number } };
    };
    const micros = source.span.duration?.us ?? 0;
    source.event = { kind: 'event', duration: micros * 1000 + 123, ...source.event };
    if (source.transaction?.duration !== undefined) delete source.span.duration;
    return { id: document.id, source: JSON.stringify(source) };
  });
}

/** Log documents as Elkhound wrote them before issue 15: `event.kind`, `event.created` always. */
function formerLogs(documents: Document[]): Document[] {
  return documents.map((document) => {
    const source = JSON.parse(document.source) as {
      '@timestamp': string;
      event?: Record<string, unknown>;
    };
    source.event = { kind: 'event', ...source.event, created: source['@timestamp'] };
    return { id: document.id, source: JSON.stringify(source) };
  });
}

/** What the Collector's ECS documents lack: the APM UI's fields (issue 17). */
const APM_UI_FIELDS = [
  ['processor'],
  ['timestamp'],
  ['span', 'type'],
  ['span', 'subtype'],
  ['span', 'destination'],
  ['span', 'representative_count'],
  ['service.target'],
  ['transaction', 'duration'],
  ['transaction', 'result'],
  ['transaction', 'sampled'],
  ['transaction', 'type'],
  ['transaction', 'representative_count'],
];

/** The Collector's documents as its dynamic data stream routing writes them. */
function withDataStream(documents: Document[]): Document[] {
  const members = '"data_stream":{"type":"traces","dataset":"generic","namespace":"default"}';
  return documents.map((document) => ({
    id: document.id,
    source: `${document.source.slice(0, -1)},${members}}`,
  }));
}

/**
 * Elkhound's traces template with doc values off on the id fields (looked up by term, never
 * aggregated or sorted on): a data stream pattern of its own, composed of Elkhound's components.
 */
const NO_ID_DOC_VALUES = 'escostdv';
async function installNoIdDocValuesTemplate(): Promise<void> {
  // And for logs: `message` as text alone, without the keyword sub-field Elkhound maps.
  await elasticsearch('PUT', `/_index_template/bench-${NO_ID_DOC_VALUES}-logs`, {
    index_patterns: [`logs-${NO_ID_DOC_VALUES}-*`],
    data_stream: {},
    priority: 300,
    composed_of: ['elkhound@settings', 'elkhound@mappings-common', 'elkhound@mappings-logs'],
    template: { mappings: { properties: { message: { type: 'text' } } } },
  });
  const id = { type: 'keyword', ignore_above: 1024, doc_values: false };
  await elasticsearch('PUT', `/_index_template/bench-${NO_ID_DOC_VALUES}`, {
    index_patterns: [`traces-${NO_ID_DOC_VALUES}-*`],
    data_stream: {},
    priority: 300,
    composed_of: ['elkhound@settings', 'elkhound@mappings-common', 'elkhound@mappings-traces'],
    template: {
      mappings: {
        properties: {
          trace: { properties: { id } },
          span: { properties: { id } },
          parent: { properties: { id } },
          transaction: { properties: { id } },
          gen_ai: { properties: { response: { properties: { id } } } },
        },
      },
    },
  });
}

/**
 * A template of Elkhound's components with `mappings` and `settings` laid over them, for the data
 * streams `{signal}-{tag}-*`: a template change measured without changing Elkhound's templates.
 */
async function installVariantTemplate(
  tag: string,
  signal: 'traces' | 'logs',
  mappings: Record<string, unknown>,
  settings: Record<string, unknown> = {},
): Promise<() => string> {
  await elasticsearch('PUT', `/_index_template/bench-${tag}-${signal}`, {
    index_patterns: [`${signal}-${tag}-*`],
    data_stream: {},
    priority: 300,
    composed_of: ['elkhound@settings', 'elkhound@mappings-common', `elkhound@mappings-${signal}`],
    template: { settings, mappings: { properties: mappings } },
  });
  return () => `${signal}-${tag}-${uniqueNamespace('escost')}`;
}

// Numbers only aggregated, sorted on or shown (never looked up by value on large data): doc
// values without the points index (`index: false`; still searchable, by doc values).
const notIndexed = (type: string): Record<string, unknown> => ({ type, index: false });
const NUMBERS_NOT_INDEXED = {
  event: {
    properties: {
      duration: notIndexed('long'),
      severity: notIndexed('long'),
      created: notIndexed('date_nanos'),
    },
  },
  timestamp: { properties: { us: notIndexed('long') } },
  span: { properties: { duration: { properties: { us: notIndexed('long') } } } },
  transaction: { properties: { duration: { properties: { us: notIndexed('long') } } } },
};

async function main(): Promise<void> {
  await setupElasticsearch({ url });
  await installNoIdDocValuesTemplate();
  const numbersNotIndexed = await installVariantTemplate(
    'escostnum',
    'traces',
    NUMBERS_NOT_INDEXED,
  );
  const numbersNotIndexedLogs = await installVariantTemplate(
    'escostnum',
    'logs',
    NUMBERS_NOT_INDEXED,
  );
  // Issue 15's template change undone: `message` with its `.keyword` (templates version 5).
  const formerMessage = {
    message: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 1024 } } },
  };
  const formerTemplate = await installVariantTemplate('escostv5', 'traces', formerMessage);
  const formerLogsTemplate = await installVariantTemplate('escostv5', 'logs', formerMessage);
  const refresh5s = await installVariantTemplate(
    'escostref',
    'traces',
    {},
    { 'index.refresh_interval': '5s' },
  );
  const refresh5sLogs = await installVariantTemplate(
    'escostref',
    'logs',
    {},
    { 'index.refresh_interval': '5s' },
  );
  for (const [name, body] of Object.entries(collectorTemplates()))
    await elasticsearch('PUT', `/_index_template/${name}`, body);
  const esPid = await elasticsearchPid(url);
  if (esPid === undefined)
    throw new Error('the bench needs Elasticsearch on this machine (its CPU)');
  const esCpu = (): number => cpuSecondsOf(esPid);
  const settle = async (): Promise<void> => {
    for (let waited = 0; waited < 60_000; waited += 500) {
      const before = esCpu();
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (esCpu() - before < 0.05) return;
    }
  };

  const requests = traceRequests({ requests: requestCount, perRequest: 100 });
  const elkhound: Document[] = [];
  for (const request of requests)
    for (const document of encodeSpans(decodeTraceRequest(request), { namespace: 'escost' }))
      elkhound.push({ id: document.id, source: document.source });
  const collector = await collectorDocuments(requests);
  const logBodies = logRequests({ requests: requestCount, perRequest: 100 });
  const elkhoundLogs: Document[] = [];
  for (const request of logBodies)
    for (const document of encodeLogs(decodeLogsRequest(request), { namespace: 'escost' }))
      elkhoundLogs.push({ id: document.id, source: document.source });
  const collectorLogs = collector.length ? await collectorDocuments(logBodies, 'logs') : [];

  const variants: Variant[] = [
    {
      name: 'elkhound (create with id)',
      documents: elkhound,
      dataStream: elkhoundStream,
      withIds: true,
    },
    { name: 'elkhound, auto ids', documents: elkhound, dataStream: elkhoundStream, withIds: false },
    {
      // The same 24 bytes of trace and span id as 32 base64url characters instead of 48 hex ones
      // (Elasticsearch keeps a base64url id as its bytes: 24 instead of 36).
      name: 'elkhound, ids as base64url',
      documents: elkhound.map((document) => ({
        id: Buffer.from(document.id, 'hex').toString('base64url'),
        source: document.source,
      })),
      dataStream: elkhoundStream,
      withIds: true,
    },
    {
      name: "elkhound docs, the Collector's ECS template",
      documents: elkhound,
      dataStream: collectorStream,
      withIds: true,
    },
    // The fields an Elkhound span document has and the Collector's has not, a group at a time.
    {
      name: 'elkhound without data_stream.*',
      documents: without(elkhound, [['data_stream']]),
      dataStream: elkhoundStream,
      withIds: true,
    },
    {
      name: 'elkhound without processor.event, event.outcome, agent.*',
      documents: without(elkhound, [['processor'], ['event', 'outcome'], ['agent']]),
      dataStream: elkhoundStream,
      withIds: true,
    },
    {
      name: 'elkhound without labels.otel_scope_*',
      documents: without(elkhound, [
        ['labels', 'otel_scope_name'],
        ['labels', 'otel_scope_version'],
      ]),
      dataStream: elkhoundStream,
      withIds: true,
    },
    {
      name: 'elkhound, durations and timestamp.us not indexed (template)',
      documents: elkhound,
      dataStream: numbersNotIndexed,
      withIds: true,
    },
    {
      name: 'elkhound, refresh_interval 5s (template)',
      documents: elkhound,
      dataStream: refresh5s,
      withIds: true,
    },
    // Issue 15: the documents as Elkhound wrote them before, and without what the Collector's
    // lack (the APM UI's fields; then the per-document constants too).
    {
      name: 'elkhound before issue 15 (reconstructed)',
      documents: formerSpans(elkhound),
      dataStream: formerTemplate,
      withIds: true,
    },
    {
      name: "elkhound without the APM UI's fields",
      documents: without(elkhound, APM_UI_FIELDS),
      dataStream: elkhoundStream,
      withIds: true,
    },
    {
      name: "elkhound without the APM UI's fields, data_stream.*, agent.*, scope labels",
      documents: without(elkhound, [
        ...APM_UI_FIELDS,
        ['data_stream'],
        ['agent'],
        ['labels', 'otel_scope_name'],
        ['labels', 'otel_scope_version'],
      ]),
      dataStream: elkhoundStream,
      withIds: true,
    },
    {
      name: 'elkhound, no doc values on ids (template)',
      documents: elkhound,
      dataStream: () => `traces-${NO_ID_DOC_VALUES}-${uniqueNamespace('escost')}`,
      withIds: true,
    },
  ];
  variants.push(
    {
      name: 'logs: elkhound (create with id)',
      documents: elkhoundLogs,
      dataStream: elkhoundLogsStream,
      withIds: true,
    },
    {
      name: 'logs: elkhound without processor.event (log records)',
      documents: without(elkhoundLogs, [['processor']]),
      dataStream: elkhoundLogsStream,
      withIds: true,
    },
    {
      name: 'logs: elkhound, event.severity, event.created not indexed (template)',
      documents: elkhoundLogs,
      dataStream: numbersNotIndexedLogs,
      withIds: true,
    },
    {
      name: 'logs: elkhound, refresh_interval 5s (template)',
      documents: elkhoundLogs,
      dataStream: refresh5sLogs,
      withIds: true,
    },
    {
      name: 'logs: elkhound before issue 15 (reconstructed)',
      documents: formerLogs(elkhoundLogs),
      dataStream: formerLogsTemplate,
      withIds: true,
    },
  );
  if (collector.length)
    variants.push(
      {
        name: 'logs: collector ECS (auto ids)',
        documents: collectorLogs,
        dataStream: collectorLogsStream,
        withIds: false,
      },
      {
        name: 'collector ECS (auto ids)',
        documents: collector,
        dataStream: collectorStream,
        withIds: false,
      },
      {
        name: 'collector ECS, create with id',
        documents: collector,
        dataStream: collectorStream,
        withIds: true,
      },
      {
        // The bench routes the Collector statically (one data stream a phase); its default,
        // dynamic routing also writes data_stream.* into every document.
        name: 'collector ECS + data_stream.* (its default routing)',
        documents: withDataStream(collector),
        dataStream: collectorStream,
        withIds: false,
      },
    );
  else console.log('the Collector could not be built: its documents are left out');

  // BENCH_VARIANTS: a regular expression of the variants' names to run (default: all).
  const only = process.env.BENCH_VARIANTS ? new RegExp(process.env.BENCH_VARIANTS) : undefined;
  if (only) variants.splice(0, variants.length, ...variants.filter((v) => only.test(v.name)));
  if (process.env.BENCH_SHOW_DOCUMENTS)
    for (const documents of [elkhound, collector, elkhoundLogs, collectorLogs])
      if (documents[1]) console.log(documents[1].source);

  // A node just started runs its first phases several times slower (JIT): one unmeasured phase
  // of each signal's documents first.
  for (const [documents, dataStream] of [
    [elkhound, elkhoundStream],
    [elkhoundLogs, elkhoundLogsStream],
  ] as const) {
    const name = dataStream();
    await rawBulk(bulkBodies(documents, name, true));
    await elasticsearch('POST', `/${name}/_refresh`);
  }

  const results = new Map<
    string,
    { cpu: number[]; bytes: number; fields: number; fieldsPerDoc: number; store: number[] }
  >();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const dataStream = variant.dataStream();
      const bodies = bulkBodies(variant.documents, dataStream, variant.withIds);
      await settle();
      const before = esCpu();
      await rawBulk(bodies);
      await elasticsearch('POST', `/${dataStream}/_refresh`);
      const cpu = esCpu() - before;
      await settle();
      const stats = await elasticsearch<{
        _all: { primaries: { store: { size_in_bytes: number } } };
      }>('GET', `/${dataStream}/_stats/store`);
      const mapping = await elasticsearch<Record<string, { mappings: { properties: never } }>>(
        'GET',
        `/${dataStream}/_mapping`,
      );
      const entry = results.get(variant.name) ?? {
        cpu: [],
        bytes: Math.round(
          variant.documents.reduce((sum, document) => sum + Buffer.byteLength(document.source), 0) /
            variant.documents.length,
        ),
        fieldsPerDoc: Number(
          (
            variant.documents.reduce(
              (sum, document) => sum + leafValues(JSON.parse(document.source)),
              0,
            ) / variant.documents.length
          ).toFixed(1),
        ),
        fields: leafFields(Object.values(mapping)[0]?.mappings.properties ?? {}),
        store: [],
      };
      entry.cpu.push(Math.round((cpu * 1e6) / variant.documents.length));
      entry.store.push(
        Math.round(stats._all.primaries.store.size_in_bytes / variant.documents.length),
      );
      results.set(variant.name, entry);
      console.log(
        JSON.stringify({ round, variant: variant.name, esCpuMicrosPerDoc: entry.cpu.at(-1) }),
      );
    }
  }
  for (const [name, entry] of results) {
    const sorted = [...entry.cpu].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        variant: name,
        esCpuMicrosPerDocMedian: sorted[Math.floor(sorted.length / 2)],
        esCpuMicrosPerDoc: entry.cpu,
        sourceBytesPerDoc: entry.bytes,
        fieldsPerDoc: entry.fieldsPerDoc,
        mappedLeafFields: entry.fields,
        storeBytesPerDoc: entry.store,
      }),
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    // A shipper still running must not keep the bench alive.
    process.exit(1);
  },
);
