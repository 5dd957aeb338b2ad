import assert from 'node:assert/strict';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { elasticsearchClient } from '@elkhound/test-support';
import {
  attributesOf,
  collectorBinary,
  freePort,
  OtlpJsonEndpoint,
  startCollector,
  type RunningCollector,
} from './support/collector';
import {
  freshTopics,
  kafkaBootstrap,
  metricSum,
  readRecords,
  spawnConsumer,
  stopKafka,
  type ConsumerProcess,
} from './support/kafka';
import { spawnSidecar, type SidecarProcess } from './support/sidecar-process';

// Compatibility with the OpenTelemetry Collector both ways, with a real Collector (the otlp
// receiver, the kafka exporter and receiver, the otlphttp exporter; test/collector/
// builder-config.yaml) and a real broker: what the Collector's kafka exporter writes,
// `elkhound consume` maps into Elasticsearch; what `elkhound sidecar` produces, the Collector's
// kafka receiver reads. Counted by a unique attribute, each span and log record exactly once.

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** What an app emitted, as the SDK's in-memory exporters saw it (the ground truth). */
interface Emitted {
  spans: ReadableSpan[];
  logRecords: ReadableLogRecord[];
}

const TRACES = 40;
const SERVICE = 'support-assistant';

/**
 * An app instrumented with the real SDK: `TRACES` traces of a server span and two GenAI client
 * spans, two log records in each trace, every item tagged with a unique `test.id`; exported by
 * the given exporters (batched, as apps do) and kept in memory for the test.
 */
async function emit(
  tag: string,
  spanExporter: SpanExporter,
  logExporter: LogRecordExporter,
): Promise<Emitted> {
  const resource = resourceFromAttributes({
    'service.name': SERVICE,
    'service.version': '2.14.1',
    'deployment.environment.name': 'test',
  });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: spanExporter,
        maxExportBatchSize: 50,
        scheduledDelayMillis: 100,
      }),
      new SimpleSpanProcessor({ exporter: spans }),
    ],
  });
  const logRecords = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({
        exporter: logExporter,
        maxExportBatchSize: 30,
        scheduledDelayMillis: 100,
      }),
      new SimpleLogRecordProcessor({ exporter: logRecords }),
    ],
  });
  const tracer = tracerProvider.getTracer('@elkhound/instrumentation-genai', '0.1.0');
  const logger = loggerProvider.getLogger('support-assistant', '2.14.1');
  for (let index = 0; index < TRACES; index++) {
    const server = tracer.startSpan('POST /v1/answers', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/v1/answers',
        'http.response.status_code': 200,
        'test.id': `${tag}-${index}-server`,
      },
    });
    const active = trace.setSpan(context.active(), server);
    for (let call = 0; call < 2; call++) {
      tracer
        .startSpan(
          'chat gpt-4o',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.usage.input_tokens': 100 + index,
              'gen_ai.usage.output_tokens': 20 + call,
              'elkhound.cost.total': 0.0015,
              'test.id': `${tag}-${index}-call${call}`,
            },
          },
          active,
        )
        .end();
      logger.emit({
        context: active,
        severityNumber: 9,
        severityText: 'INFO',
        body: `answered ticket ${index} (call ${call})`,
        attributes: { 'gen_ai.request.model': 'gpt-4o', 'test.id': `${tag}-${index}-log${call}` },
      });
    }
    server.end();
  }
  await tracerProvider.forceFlush();
  await loggerProvider.forceFlush();
  const emitted = {
    spans: spans.getFinishedSpans(),
    logRecords: logRecords.getFinishedLogRecords(),
  };
  await tracerProvider.shutdown();
  await loggerProvider.shutdown();
  assert.equal(emitted.spans.length, TRACES * 3);
  assert.equal(emitted.logRecords.length, TRACES * 2);
  return emitted;
}

const testId = (attributes: Record<string, unknown>): string => attributes['test.id'] as string;

/** Every document of an index (after a refresh). */
async function documents(index: string): Promise<Record<string, unknown>[]> {
  const client = elasticsearchClient();
  try {
    await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
    const answer = await client.search<Record<string, unknown>>({
      index,
      size: 1000,
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { match_all: {} },
    });
    return answer.hits.hits.map((hit) => hit._source as Record<string, unknown>);
  } finally {
    await client.close();
  }
}

/** A field by its dotted path, in nested objects or as a dotted key. */
function field(document: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(document, path)) return document[path];
  const dot = path.indexOf('.');
  if (dot === -1) return undefined;
  for (let at = dot; at !== -1; at = path.indexOf('.', at + 1)) {
    const head = document[path.slice(0, at)];
    if (head && typeof head === 'object') {
      const found = field(head as Record<string, unknown>, path.slice(at + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** How many times each value occurs. */
function tally(values: unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  return counts;
}

/** Each expected key once, and nothing else: the problems, empty when exactly once. */
function exactlyOnceByKey(expected: string[], counts: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const key of expected)
    if (counts.get(key) !== 1) problems.push(`${key}: ${counts.get(key) ?? 0} times`);
  for (const [key, count] of counts)
    if (!expected.includes(key)) problems.push(`${key}: ${count} times, not emitted`);
  return problems.slice(0, 20);
}

async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await check())) await sleep(500);
}

describe('Collector ↔ Kafka ↔ Elkhound, both ways (real OpenTelemetry Collector, real broker)', function () {
  this.timeout(180_000);
  let binary = '';
  const running: Array<{ stop(): Promise<unknown> }> = [];
  before(function () {
    // A cold build takes minutes (scripts/test.sh builds it before the tests and says how long).
    this.timeout(30 * 60_000);
    kafkaBootstrap();
    binary = collectorBinary();
  });
  afterEach(async () => {
    for (const process of running.splice(0).reverse()) await process.stop();
  });
  after(() => stopKafka());

  for (const encoding of ['otlp_proto', 'otlp_json'] as const) {
    it(`SDK → Collector otlp receiver → kafka exporter (${encoding}) → elkhound consume → Elasticsearch: every span and log record once, fields mapped`, async () => {
      const topics = await freshTopics('collectorin', 4);
      const otlpPort = await freePort();
      const collector = await startCollector(
        binary,
        // YAML is a superset of JSON: the configuration as an object, checked by the compiler.
        JSON.stringify({
          receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
          exporters: {
            kafka: {
              brokers: kafkaBootstrap().split(','),
              traces: { topic: topics.traces, encoding },
              logs: { topic: topics.logs, encoding },
              partition_traces_by_id: true,
              producer: { required_acks: -1 },
            },
          },
          service: {
            telemetry: { metrics: { level: 'none' } },
            pipelines: {
              traces: { receivers: ['otlp'], exporters: ['kafka'] },
              logs: { receivers: ['otlp'], exporters: ['kafka'] },
            },
          },
        }),
      );
      running.push(collector);
      const consumer: ConsumerProcess = await spawnConsumer({
        ...topics.env,
        // The Collector's records carry no content-type header: the encoding is configured.
        ELKHOUND_KAFKA_ENCODING: encoding,
      });
      running.push(consumer);

      const emitted = await emit(
        encoding,
        new ProtoTraceExporter({ url: `http://127.0.0.1:${otlpPort}/v1/traces` }),
        new ProtoLogExporter({ url: `http://127.0.0.1:${otlpPort}/v1/logs` }),
      );
      const traces = `traces-elkhound-${topics.namespace}`;
      const logs = `logs-elkhound-${topics.namespace}`;
      let spanDocuments: Record<string, unknown>[] = [];
      let logDocuments: Record<string, unknown>[] = [];
      await waitUntil(async () => {
        // A data stream created a moment ago answers 503 until its shard has started.
        spanDocuments = await documents(traces).catch(() => []);
        logDocuments = await documents(logs).catch(() => []);
        return (
          spanDocuments.length >= emitted.spans.length &&
          logDocuments.length >= emitted.logRecords.length
        );
      }, 60_000);
      // Let a late duplicate show itself before counting.
      await sleep(1_000);
      spanDocuments = await documents(traces);
      logDocuments = await documents(logs);

      const spanTestId = (document: Record<string, unknown>): unknown =>
        field(document, 'labels.test_id') ?? field(document, 'test.id');
      assert.deepEqual(
        exactlyOnceByKey(
          emitted.spans.map((span) => testId(span.attributes)),
          tally(spanDocuments.map(spanTestId)),
        ),
        [],
        `spans (documents: ${JSON.stringify(spanDocuments[0])})`,
      );
      assert.deepEqual(
        exactlyOnceByKey(
          emitted.logRecords.map((record) => testId(record.attributes)),
          tally(logDocuments.map(spanTestId)),
        ),
        [],
        `log records (documents: ${JSON.stringify(logDocuments[0])})`,
      );

      // Mapped as the sidecar maps OTLP it receives: ids, names, service, GenAI fields, logs.
      const byTestId = new Map(spanDocuments.map((document) => [spanTestId(document), document]));
      for (const span of emitted.spans) {
        const document = byTestId.get(testId(span.attributes)) as Record<string, unknown>;
        const context = span.spanContext();
        assert.equal(field(document, 'trace.id'), context.traceId);
        assert.equal(field(document, 'span.id'), context.spanId);
        assert.equal(field(document, 'service.name'), SERVICE);
        assert.equal(field(document, 'service.version'), '2.14.1');
        if (span.kind === SpanKind.CLIENT) {
          assert.equal(field(document, 'parent.id'), span.parentSpanContext?.spanId);
          assert.equal(field(document, 'gen_ai.request.model'), 'gpt-4o');
          assert.equal(
            field(document, 'gen_ai.usage.input_tokens'),
            span.attributes['gen_ai.usage.input_tokens'],
          );
        }
      }
      const logByTestId = new Map(logDocuments.map((document) => [spanTestId(document), document]));
      for (const record of emitted.logRecords) {
        const document = logByTestId.get(testId(record.attributes)) as Record<string, unknown>;
        assert.equal(field(document, 'message'), record.body);
        assert.equal(field(document, 'log.level'), 'info');
        assert.equal(field(document, 'trace.id'), record.spanContext?.traceId);
        assert.equal(field(document, 'service.name'), SERVICE);
      }

      // What the Collector wrote, for the record: no headers (the encoding is configured, not
      // announced), traces keyed by their hex id (partition_traces_by_id).
      const records = await readRecords(topics.traces, 1);
      assert.equal(records[0]!.headers.size, 0);
      assert.match(records[0]!.key ?? '', /^[0-9a-f]{32}$/);
      assert.equal(
        await metricSum(consumer.url('/metrics'), 'elkhound_kafka_dead_lettered_records_total'),
        0,
      );
      assert.doesNotMatch(collector.output(), /\berror\b/i);
    });
  }

  it('app (OTLP/HTTP protobuf, gRPC, OTLP/HTTP JSON) → elkhound sidecar (kafka.forward) → Kafka → Collector kafka receiver (otlp_proto): every span and log record once, same ids and attributes', async () => {
    const topics = await freshTopics('collectorout', 4);
    const endpoint = new OtlpJsonEndpoint();
    await endpoint.start();
    running.push(endpoint);
    const sidecar: SidecarProcess = await spawnSidecar({
      ...topics.env,
      ELKHOUND_KAFKA_FORWARD: 'instead',
    });
    running.push(sidecar);
    const collector: RunningCollector = await startCollector(
      binary,
      JSON.stringify({
        receivers: {
          kafka: {
            brokers: kafkaBootstrap().split(','),
            traces: { topics: [topics.traces], encoding: 'otlp_proto' },
            logs: { topics: [topics.logs], encoding: 'otlp_proto' },
            group_id: `collector_${topics.namespace}`,
            initial_offset: 'earliest',
          },
        },
        exporters: {
          otlphttp: { endpoint: endpoint.url, encoding: 'json', compression: 'none' },
        },
        service: {
          telemetry: { metrics: { level: 'none' } },
          pipelines: {
            traces: { receivers: ['kafka'], exporters: ['otlphttp'] },
            logs: { receivers: ['kafka'], exporters: ['otlphttp'] },
          },
        },
      }),
    );
    running.push(collector);

    // Traces over OTLP/HTTP protobuf, logs over gRPC; then both over OTLP/HTTP JSON, which the
    // sidecar produces as protobuf too (the receiver reads one encoding per topic).
    const overProtobuf = await emit(
      'edge',
      new ProtoTraceExporter({ url: sidecar.url('/v1/traces') }),
      new GrpcLogExporter({ url: `http://127.0.0.1:${sidecar.grpcPort}` }),
    );
    const overJson = await emit(
      'edge-json',
      new JsonTraceExporter({ url: sidecar.url('/v1/traces') }),
      new JsonLogExporter({ url: sidecar.url('/v1/logs') }),
    );
    const emitted: Emitted = {
      spans: [...overProtobuf.spans, ...overJson.spans],
      logRecords: [...overProtobuf.logRecords, ...overJson.logRecords],
    };
    await waitUntil(
      () =>
        endpoint.spans.length >= emitted.spans.length &&
        endpoint.logRecords.length >= emitted.logRecords.length,
      60_000,
    );
    await sleep(1_000);
    assert.deepEqual(endpoint.refused, []);

    const receivedSpans = new Map(endpoint.spans.map((span) => [span.item.spanId, span]));
    assert.deepEqual(
      exactlyOnceByKey(
        emitted.spans.map((span) => span.spanContext().spanId),
        tally(endpoint.spans.map((span) => span.item.spanId)),
      ),
      [],
    );
    for (const span of emitted.spans) {
      const received = receivedSpans.get(span.spanContext().spanId)!;
      assert.equal(received.item.traceId, span.spanContext().traceId);
      assert.equal(received.item.parentSpanId || undefined, span.parentSpanContext?.spanId);
      assert.equal(received.item.name, span.name);
      assert.deepEqual(attributesOf(received.item.attributes), span.attributes);
      assert.equal(attributesOf(received.resource.attributes)['service.name'], SERVICE);
      assert.equal(received.scope.name, '@elkhound/instrumentation-genai');
      assert.equal(received.scope.version, '0.1.0');
    }
    const receivedLogs = tally(
      endpoint.logRecords.map((record) => testId(attributesOf(record.item.attributes))),
    );
    assert.deepEqual(
      exactlyOnceByKey(
        emitted.logRecords.map((record) => testId(record.attributes)),
        receivedLogs,
      ),
      [],
    );
    const logsByTestId = new Map(
      endpoint.logRecords.map((record) => [testId(attributesOf(record.item.attributes)), record]),
    );
    for (const record of emitted.logRecords) {
      const received = logsByTestId.get(testId(record.attributes))!;
      assert.equal(received.item.body?.stringValue, record.body);
      assert.equal(received.item.severityText, 'INFO');
      assert.equal(received.item.traceId, record.spanContext?.traceId);
      assert.equal(received.item.spanId, record.spanContext?.spanId);
      assert.deepEqual(attributesOf(received.item.attributes), record.attributes);
      assert.equal(attributesOf(received.resource.attributes)['service.name'], SERVICE);
    }
    // Every record protobuf (none left as JSON), each trace's under its trace id.
    for (const record of await readRecords(topics.traces, TRACES * 2)) {
      assert.equal(record.headers.get('content-type'), 'application/x-protobuf');
      assert.match(record.key ?? '', /^[0-9a-f]{32}$/);
    }
    assert.doesNotMatch(collector.output(), /\berror\b/i);
  });
});
