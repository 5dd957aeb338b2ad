import assert from 'node:assert/strict';
import { encodeLogs, encodeSpans, type EcsDocument } from '@elkhound/ecs';
import {
  decodeLogsRequest,
  fromReadableLogRecords,
  fromReadableSpans,
  decodeTraceRequest,
  parseLogsRequestJson,
  parseTraceRequestJson,
  type ResourceLogs,
  type ResourceSpans,
} from '@elkhound/otlp';
import { elasticsearchClient } from '@elkhound/test-support';
import { ExportResultCode } from '@opentelemetry/core';
import {
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { BulkWriter, setupElasticsearch } from '../src';
import { loadOtlpRoot } from '../../otlp/test/support/reference';

// Attribute names are client input. Attribute objects and ECS documents are plain objects, whose
// `__proto__` member is Object.prototype's accessor: `object['__proto__'] = value` sets the
// prototype (or does nothing, for a string) instead of adding a member. An attribute named
// `__proto__` must keep its value, as an ordinary label, from the wire to Elasticsearch, and no
// object's prototype may change on the way.

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
/** Spans of one shape, more than the shape compiler and the attribute planner wait for. */
const SPANS = 5;

const root = loadOtlpRoot();
const TraceRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);
const LogsRequest = root.lookupType(
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
);

const stringKv = (key: string, value: string) => ({ key, value: { string_value: value } });
const intKv = (key: string, value: number) => ({ key, value: { int_value: value } });
const spanId = (index: number) => `${SPAN_ID.slice(0, -1)}${index}`;

/** Resource attributes, and each span's and log record's: `__proto__` among ordinary names. */
const resourceAttributes = [
  stringKv('service.name', 'checkout'),
  stringKv('__proto__', 'resource-proto'),
];
const spanAttributes = [
  stringKv('http.route', '/cart'),
  stringKv('__proto__', 'span-proto'),
  stringKv('toString', 'span-toString'),
  { key: 'nested', value: { kvlist_value: { values: [stringKv('__proto__', 'inner')] } } },
];
const logAttributes = [intKv('__proto__', 42)];

function protobufTraces(): Uint8Array {
  const spans = Array.from({ length: SPANS }, (_, index) => ({
    trace_id: Buffer.from(TRACE_ID, 'hex'),
    span_id: Buffer.from(spanId(index), 'hex'),
    parent_span_id: Buffer.from(SPAN_ID, 'hex'),
    name: 'POST /cart',
    kind: 3,
    start_time_unix_nano: '1764950400000000000',
    end_time_unix_nano: '1764950400250000000',
    attributes: spanAttributes,
  }));
  const request = {
    resource_spans: [
      {
        resource: { attributes: resourceAttributes },
        scope_spans: [{ scope: { name: 'scope' }, spans }],
      },
    ],
  };
  return TraceRequest.encode(TraceRequest.fromObject(request)).finish();
}

function protobufLogs(): Uint8Array {
  const request = {
    resource_logs: [
      {
        resource: { attributes: resourceAttributes },
        scope_logs: [
          {
            scope: { name: 'scope' },
            log_records: [
              {
                time_unix_nano: '1764950400000000000',
                severity_number: 9,
                body: { string_value: 'done' },
                trace_id: Buffer.from(TRACE_ID, 'hex'),
                span_id: Buffer.from(SPAN_ID, 'hex'),
                attributes: logAttributes,
              },
            ],
          },
        ],
      },
    ],
  };
  return LogsRequest.encode(LogsRequest.fromObject(request)).finish();
}

/** OTLP/JSON, camelCase as the OTLP exporters write it. */
const jsonKv = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : { intValue: String(value) },
});

function jsonTraces(): string {
  const spans = Array.from({ length: SPANS }, (_, index) => ({
    traceId: TRACE_ID,
    spanId: spanId(index),
    parentSpanId: SPAN_ID,
    name: 'POST /cart',
    kind: 3,
    startTimeUnixNano: '1764950400000000000',
    endTimeUnixNano: '1764950400250000000',
    attributes: [
      jsonKv('http.route', '/cart'),
      jsonKv('__proto__', 'span-proto'),
      jsonKv('toString', 'span-toString'),
      { key: 'nested', value: { kvlistValue: { values: [jsonKv('__proto__', 'inner')] } } },
    ],
  }));
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: [jsonKv('service.name', 'checkout'), jsonKv('__proto__', 'resource-proto')],
        },
        scopeSpans: [{ scope: { name: 'scope' }, spans }],
      },
    ],
  });
}

function jsonLogs(): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: {
          attributes: [jsonKv('service.name', 'checkout'), jsonKv('__proto__', 'resource-proto')],
        },
        scopeLogs: [
          {
            scope: { name: 'scope' },
            logRecords: [
              {
                timeUnixNano: '1764950400000000000',
                severityNumber: 9,
                body: { stringValue: 'done' },
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                attributes: [jsonKv('__proto__', 42)],
              },
            ],
          },
        ],
      },
    ],
  });
}

const inputs = [
  {
    name: 'protobuf',
    traces: () => decodeTraceRequest(protobufTraces()),
    logs: () => decodeLogsRequest(protobufLogs()),
  },
  {
    name: 'JSON',
    traces: () => parseTraceRequestJson(jsonTraces()),
    logs: () => parseLogsRequestJson(jsonLogs()),
  },
];

/** Own names of Object.prototype: an attribute written into it would add one. */
const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort();

function assertPlainObjects(attributes: Record<string, unknown>): void {
  assert.equal(Object.getPrototypeOf(attributes), Object.prototype);
}

function spanAttributesOf(groups: ResourceSpans[]) {
  return groups.flatMap((group) =>
    group.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.attributes)),
  );
}

function logAttributesOf(groups: ResourceLogs[]) {
  return groups.flatMap((group) =>
    group.scopeLogs.flatMap((scope) => scope.logRecords.map((record) => record.attributes)),
  );
}

const sourceOf = (document: EcsDocument) =>
  JSON.parse(document.source) as Record<string, Record<string, unknown>>;

function assertSpanDocument(document: EcsDocument, label: string): void {
  const source = sourceOf(document);
  assert.ok(Object.hasOwn(source.labels ?? {}, '__proto__'), `${label}: labels.__proto__ missing`);
  assert.deepEqual(
    Object.entries(source.labels ?? {}).sort(),
    [
      ['__proto__', 'span-proto'],
      ['nested', '{"__proto__":"inner"}'],
      ['otel_scope_name', 'scope'],
      ['toString', 'span-toString'],
    ],
    label,
  );
}

function assertLogDocument(document: EcsDocument, label: string): void {
  const source = sourceOf(document);
  assert.deepEqual(Object.entries(source.numeric_labels ?? {}), [['__proto__', 42]], label);
  // The resource's `__proto__` label: the record's own numeric one does not hide it (labels).
  assert.deepEqual(
    Object.entries(source.labels ?? {}).sort(),
    [['__proto__', 'resource-proto']],
    label,
  );
}

describe('attributes named __proto__', function () {
  this.timeout(60_000);

  for (const input of inputs) {
    it(`keep their value from ${input.name} spans, log records and resources to the ECS documents, changing no prototype`, () => {
      const before = prototypeNames();
      const traces = input.traces();
      const attributes = spanAttributesOf(traces);
      assert.equal(attributes.length, SPANS);
      for (const each of [...attributes, ...traces.map((group) => group.resource.attributes)]) {
        assertPlainObjects(each);
        assert.ok(
          Object.hasOwn(each, '__proto__'),
          `${input.name}: attribute __proto__ lost in decoding`,
        );
      }
      assert.equal(attributes[0]?.['__proto__'], 'span-proto');
      assert.equal(traces[0]?.resource.attributes['__proto__'], 'resource-proto');
      const nested = attributes[0]?.nested as Record<string, unknown>;
      assertPlainObjects(nested);
      assert.deepEqual(Object.entries(nested), [['__proto__', 'inner']]);

      // The planned path (the default) and its reference, the generic one.
      for (const plans of [true, false]) {
        const documents = encodeSpans(traces, { plans });
        assert.equal(documents.length, SPANS);
        documents.forEach((document, index) =>
          assertSpanDocument(document, `${input.name} span ${index} plans: ${plans}`),
        );
      }

      const logs = input.logs();
      for (const each of logAttributesOf(logs)) assertPlainObjects(each);
      const [log] = encodeLogs(logs);
      assert.ok(log);
      assertLogDocument(log, `${input.name} log record`);
      assert.deepEqual(prototypeNames(), before);
    });
  }

  it("keep an SDK span's and log record's array or map value, which the SDK made their prototype, as a label", async () => {
    // The SDK stores attributes with `attributes[key] = value`: a `__proto__` string is lost
    // before any exporter sees it (upstream), an array or a map becomes the object's prototype.
    const spans: ReadableSpan[] = [];
    const records: ReadableLogRecord[] = [];
    const collect = <T>(into: T[]) => ({
      export(items: T[], done: (result: { code: ExportResultCode }) => void) {
        into.push(...items);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => {},
      forceFlush: async () => {},
    });
    const tracerProvider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: collect(spans) })],
    });
    const loggerProvider = new LoggerProvider({
      processors: [new SimpleLogRecordProcessor({ exporter: collect(records) })],
    });
    const span = tracerProvider.getTracer('scope').startSpan('POST /cart');
    span.setAttribute('__proto__', ['a', 'b']);
    span.setAttribute('http.route', '/cart');
    span.end();
    loggerProvider.getLogger('scope').emit({
      body: 'done',
      attributes: JSON.parse('{"__proto__":{"k":"v"},"done":true}') as Record<string, unknown>,
    });
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
    assert.equal(spans.length, 1);
    assert.equal(records.length, 1);

    for (const plans of [true, false]) {
      const [document] = encodeSpans(fromReadableSpans(spans), { plans });
      assert.ok(document);
      const labels = sourceOf(document).labels ?? {};
      assert.deepEqual(Object.entries(labels).sort(), [
        ['__proto__', ['a', 'b']],
        ['otel_scope_name', 'scope'],
      ]);
    }
    const [log] = encodeLogs(fromReadableLogRecords(records));
    assert.ok(log);
    assert.deepEqual(Object.entries(sourceOf(log).labels ?? {}).sort(), [
      ['__proto__', '{"k":"v"}'],
      ['done', true],
    ]);
  });

  it('are stored by the real Elasticsearch as labels.__proto__ and numeric_labels.__proto__', async () => {
    const url = process.env.ELASTICSEARCH_URL as string;
    await setupElasticsearch({ url });
    const client = elasticsearchClient();
    const writer = new BulkWriter({ connection: { url } });
    try {
      const [span] = encodeSpans(decodeTraceRequest(protobufTraces()));
      const [log] = encodeLogs(parseLogsRequestJson(jsonLogs()));
      assert.ok(span && log);
      const outcome = await writer.send([span, log]);
      assert.deepEqual(
        outcome.rejected.map((rejected) => rejected.reason),
        [],
      );
      for (const [document, field, value] of [
        [span, 'labels.__proto__', 'span-proto'],
        [log, 'numeric_labels.__proto__', 42],
        [log, 'labels.__proto__', 'resource-proto'],
      ] as const) {
        await client.indices.refresh({ index: document.dataStream });
        const found = await client.search({
          index: document.dataStream,
          query: {
            bool: { filter: [{ ids: { values: [document.id] } }, { term: { [field]: value } }] },
          },
        });
        assert.equal(found.hits.hits.length, 1, `${field}: ${value} not found`);
        const source = found.hits.hits[0]?._source as Record<string, Record<string, unknown>>;
        const [object, name] = field.split('.') as [string, string];
        assert.equal(
          Object.hasOwn(source[object] ?? {}, name) ? source[object]?.[name] : undefined,
          value,
        );
      }
    } finally {
      await writer.close();
      await client.close();
    }
  });
});
