import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
  parseLogsRequestJson,
  parseMetricsRequestJson,
  parseTraceRequestJson,
} from '@elkhound/otlp';
import { otlpJsonToProtobuf } from '../src/kafka/json-to-protobuf';

// The sidecar produces OTLP/JSON requests to Kafka as protobuf (the Collector's kafka receiver
// reads one encoding per topic). Proven here by decoding: the re-encoded protobuf reads back, with
// the sidecar's protobuf decoder (written from the .proto field numbers on its own), as exactly
// what the JSON reads as — and, for the SDK's requests, as what the SDK's own protobuf reads as.
// The Collector reading such records is in collector-kafka.test.ts.

const resource = resourceFromAttributes({ 'service.name': 'json-app', 'service.version': '1.2.3' });

function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  }).getTracer('json-scope', '0.0.1');
  const parent = tracer.startSpan('POST /chat', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.response.status_code': 200,
      'gen_ai.usage.input_tokens': 2 ** 40,
      'elkhound.cost.total': 0.0125,
      'feature.enabled': true,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'token.counts': [1, 2, 3],
      'unicode.text': 'naïve ✓ 𝄞',
    },
  });
  parent.addEvent('gen_ai.choice', { index: 0, 'finish.reason': 'stop' });
  parent.addLink({
    context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 },
    attributes: { 'link.kind': 'follows' },
  });
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
  parent.end();
  tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT }).end();
  return exporter.getFinishedSpans();
}

function sdkLogRecords() {
  const exporter = new InMemoryLogRecordExporter();
  const logger = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter })],
  }).getLogger('json-logger', '3.0.0');
  logger.emit({ body: 'plain text', severityNumber: 9, severityText: 'INFO' });
  logger.emit({
    body: { prompt: 'hello', tokens: 12, nested: { ok: true, list: [1, 'two'] } },
    severityNumber: 17,
    severityText: 'ERROR',
    attributes: { 'gen_ai.request.model': 'gpt-4o', 'retry.count': 3 },
    eventName: 'gen_ai.client.inference.operation.details',
  });
  return exporter.getFinishedLogRecords();
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/**
 * The decoded model, bytes as base64 and without `dropped…Count: 0`: protobuf writers put the zero on the wire or
 * not (the SDK does, its JSON serializer does not) and the decoders keep what they read.
 */
function same<T>(model: T): T {
  return JSON.parse(
    JSON.stringify(model, function (this: Record<string, unknown>, key: string, value: unknown) {
      // Bytes (a Buffer from one decoder, a Uint8Array from the other) as base64.
      const original = this[key];
      if (original instanceof Uint8Array) return Buffer.from(original).toString('base64');
      return /^dropped[A-Za-z]*Count$/.test(key) && value === 0 ? undefined : value;
    }),
  ) as T;
}

describe('Kafka: OTLP/JSON requests re-encoded as protobuf for the Collector', () => {
  it('traces: the protobuf reads back as the JSON and as the SDK’s own protobuf (attributes of every type, events, links, status)', () => {
    const spans = sdkSpans();
    const json = text(JsonTraceSerializer.serializeRequest(spans) as Uint8Array);
    const converted = otlpJsonToProtobuf('traces', json);
    const fromJson = parseTraceRequestJson(json);
    assert.deepEqual(same(decodeTraceRequest(converted)), same(fromJson));
    assert.deepEqual(
      same(decodeTraceRequest(converted)),
      same(decodeTraceRequest(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array)),
    );
    assert.equal(fromJson[0]!.scopeSpans[0]!.spans.length, 2);
  });

  it('logs: string and map bodies, severities, event names', () => {
    const records = sdkLogRecords();
    const json = text(JsonLogsSerializer.serializeRequest(records) as Uint8Array);
    const converted = otlpJsonToProtobuf('logs', json);
    const fromJson = parseLogsRequestJson(json);
    assert.deepEqual(same(decodeLogsRequest(converted)), same(fromJson));
    assert.deepEqual(
      same(decodeLogsRequest(converted)),
      same(decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(records) as Uint8Array)),
    );
  });

  it('metrics: gauge, sum, histogram, exponential histogram, summary and exemplars', () => {
    const time = '1764950400000000000';
    const start = '1764950340000000000';
    const attributes = [{ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }];
    const exemplars = [
      {
        timeUnixNano: time,
        asDouble: 0.25,
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }],
      },
    ];
    const json = JSON.stringify({
      resourceMetrics: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'metrics-app' } }],
          },
          scopeMetrics: [
            {
              scope: { name: 'meter', version: '1.0.0' },
              metrics: [
                {
                  name: 'queue.depth',
                  unit: '{item}',
                  gauge: { dataPoints: [{ timeUnixNano: time, asInt: '-42', attributes }] },
                },
                {
                  name: 'gen_ai.client.token.usage.total',
                  description: 'tokens',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      { startTimeUnixNano: start, timeUnixNano: time, asDouble: 1536.5, exemplars },
                    ],
                  },
                },
                {
                  name: 'gen_ai.client.operation.duration',
                  unit: 's',
                  histogram: {
                    aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                    dataPoints: [
                      {
                        startTimeUnixNano: start,
                        timeUnixNano: time,
                        count: '7',
                        sum: 3.5,
                        min: 0.01,
                        max: 2,
                        bucketCounts: ['1', '2', 4, '0'],
                        explicitBounds: [0.1, 0.5, 1],
                        attributes,
                      },
                    ],
                  },
                },
                {
                  name: 'latency.exp',
                  exponentialHistogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      {
                        timeUnixNano: time,
                        count: 6,
                        sum: 12.5,
                        scale: -2,
                        zeroCount: '1',
                        zeroThreshold: 0.001,
                        positive: { offset: -3, bucketCounts: ['2', 3] },
                        negative: { offset: 1, bucketCounts: [] },
                      },
                    ],
                  },
                },
                {
                  name: 'rpc.summary',
                  summary: {
                    dataPoints: [
                      {
                        timeUnixNano: time,
                        count: '3',
                        sum: 9,
                        quantileValues: [
                          { quantile: 0.5, value: 2.5 },
                          { quantile: 0.99, value: 4 },
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const converted = otlpJsonToProtobuf('metrics', json);
    const fromJson = parseMetricsRequestJson(json);
    assert.deepEqual(same(decodeMetricsRequest(converted)), same(fromJson));
    assert.equal(fromJson[0]!.scopeMetrics[0]!.metrics.length, 5);
  });

  it('takes what the JSON decoder takes: snake_case keys, enum names, int64 as strings', () => {
    const json = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              scope: { name: 's' },
              spans: [
                {
                  trace_id: '0AF7651916CD43DD8448EB211C80319C',
                  span_id: 'B7AD6B7169203331',
                  parent_span_id: '',
                  name: 'op',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: '1764950400000000000',
                  end_time_unix_nano: 1764950400500000000,
                  attributes: [
                    { key: 'big', value: { int_value: '-9007199254740993' } },
                    { key: 'raw', value: { bytes_value: 'AAEC+g==' } },
                  ],
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(
      same(decodeTraceRequest(otlpJsonToProtobuf('traces', json))),
      same(parseTraceRequestJson(json)),
    );
  });

  it('refuses what it cannot encode, naming where (the sidecar then keeps the JSON)', () => {
    assert.throws(
      () =>
        otlpJsonToProtobuf(
          'traces',
          '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}',
        ),
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected hex/,
    );
    assert.throws(() => otlpJsonToProtobuf('logs', 'not json'));
  });
});
