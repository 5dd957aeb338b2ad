import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
  fromReadableSpans,
  OtlpDecodeError,
  parseLogsRequestJson,
  parseMetricsRequestJson,
  parseTraceRequestJson,
  Rejections,
} from '../src';

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Zero counts are optional on both wires; drop them before comparing. */
function withoutZeroCounts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutZeroCounts);
  if (value instanceof Uint8Array) return Array.from(value);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key.startsWith('dropped') && child === 0) continue;
      out[key] = withoutZeroCounts(child);
    }
    return out;
  }
  return value;
}

function recordSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('@elkhound/instrumentation-genai', '0.1.0');
  const root = tracer.startSpan('POST /checkout', { kind: 1, startTime: [1763805600, 123456789] });
  const child = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: 2,
      startTime: [1763805600, 999999999],
      attributes: {
        'gen_ai.usage.input_tokens': 1240,
        'gen_ai.request.temperature': 0.25,
        'gen_ai.request.stream': true,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'big.negative': -1234567890123,
        'text.unicode': 'résumé ✓ 🐕',
      },
      links: [{ context: root.spanContext(), attributes: { why: 'x' } }],
    },
    trace.setSpan(context.active(), root),
  );
  child.addEvent(
    'exception',
    { 'exception.type': 'Error', 'exception.escaped': false },
    [1763805601, 5],
  );
  child.setStatus({ code: 2, message: 'boom' });
  child.end([1763805601, 500000000]);
  root.end([1763805602, 0]);
  return exporter.getFinishedSpans();
}

async function recordMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    readers: [reader],
    views: [
      {
        instrumentName: 'gen_ai.client.operation.time_to_first_chunk',
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
      },
    ],
  });
  const meter = provider.getMeter('@elkhound/instrumentation-genai', '0.1.0');
  const attributes = { 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.token.type': 'input' };
  meter.createCounter('elkhound.cost', { unit: 'USD' }).add(0.25, attributes);
  meter.createUpDownCounter('queue.depth').add(-3);
  meter.createGauge('cache.size', { valueType: 1 }).record(9007199254740, attributes);
  const duration = meter.createHistogram('gen_ai.client.operation.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.1, 1, 10] },
  });
  for (const seconds of [0.005, 0.3, 0.4, 2.5, 42]) duration.record(seconds, attributes);
  const firstChunk = meter.createHistogram('gen_ai.client.operation.time_to_first_chunk', {
    unit: 's',
  });
  for (const seconds of [0.12, 0.2, 0.9, 0, 1.5]) firstChunk.record(seconds);
  await reader.forceFlush();
  const metrics = exporter.getMetrics()[0];
  assert.ok(metrics);
  return metrics;
}

describe('OTLP/JSON decoding', () => {
  it('decodes what the JSON serializer writes into what the protobuf decoder reads', () => {
    const spans = recordSpans();
    const fromJson = parseTraceRequestJson(text(JsonTraceSerializer.serializeRequest(spans)));
    const fromProtobuf = decodeTraceRequest(ProtobufTraceSerializer.serializeRequest(spans)!);
    assert.deepEqual(withoutZeroCounts(fromJson), withoutZeroCounts(fromProtobuf));
    const chat = fromJson[0]?.scopeSpans[0]?.spans.find((span) => span.name === 'chat gpt-4o-mini');
    assert.deepEqual(chat?.startTime, [1763805600, 999999999]);
    assert.equal(chat?.attributes['big.negative'], -1234567890123);
    const adapted = fromReadableSpans(spans)[0]?.scopeSpans[0]?.spans.find(
      (span) => span.name === 'chat gpt-4o-mini',
    );
    assert.ok(chat?.parentSpanId);
    assert.equal(chat.parentSpanId, adapted?.parentSpanId);
  });

  it('decodes JSON log records, bodies and all', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('checkout.audit');
    logger.emit({
      body: 'plain',
      severityNumber: 9,
      severityText: 'INFO',
      timestamp: [1763805600, 1],
    });
    logger.emit({
      body: { order: { id: 7, items: ['a', 'b'] }, ok: false, raw: new Uint8Array([1, 2, 255]) },
      severityNumber: 17,
      eventName: 'payment.failed',
    });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    const fromJson = parseLogsRequestJson(text(JsonLogsSerializer.serializeRequest(records)));
    const fromProtobuf = decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(records)!);
    assert.deepEqual(withoutZeroCounts(fromJson), withoutZeroCounts(fromProtobuf));
    assert.equal(fromJson[0]?.scopeLogs[0]?.logRecords[1]?.eventName, 'payment.failed');
  });

  it('accepts snake_case keys, string int64s and enum names', () => {
    const [resourceSpans] = parseTraceRequestJson(
      JSON.stringify({
        resource_spans: [
          {
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: '5B8EFFF798038103D269B633813FC60C',
                    span_id: 'eee19b7ec3c1b174',
                    parent_span_id: 'eee19b7ec3c1b173',
                    flags: 0x300,
                    kind: 'SPAN_KIND_SERVER',
                    start_time_unix_nano: '1544712660000000000',
                    end_time_unix_nano: 1544712661000000000,
                    attributes: [{ key: 'n', value: { int_value: '-9007199254740991' } }],
                    status: { code: 'STATUS_CODE_ERROR' },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const span = resourceSpans?.scopeSpans[0]?.spans[0];
    assert.equal(span?.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(span?.kind, 2);
    assert.equal(span?.parentIsRemote, true);
    assert.deepEqual(span?.startTime, [1544712660, 0]);
    assert.deepEqual(span?.endTime, [1544712661, 0]);
    assert.equal(span?.attributes.n, -9007199254740991);
    assert.equal(span?.status.code, 2);
  });

  it('names the path of what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['{', /^invalid JSON/],
      ['[]', /expected a JSON object, got an array/],
      ['{"resourceSpans":{}}', /^resource_spans: expected an array/],
      [
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abc","spanId":"eee19b7ec3c1b174"}]}]}]}',
        /^resource_spans\[0\]\.scope_spans\[0\]\.spans\[0\]\.trace_id: expected 16 bytes, got 1\.5$/,
      ],
      [
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","kind":9}]}]}]}',
        /spans\[0\]\.kind: 9 is out of range/,
      ],
      [
        '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"1.5"}}]}}]}',
        /^resource_spans\[0\]\.resource\.attributes\["k"\]\.intValue: expected an integer/,
      ],
      [
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","startTimeUnixNano":"soon"}]}]}]}',
        /start_time_unix_nano: expected nanoseconds/,
      ],
    ];
    for (const [body, message] of cases)
      assert.throws(
        () => parseTraceRequestJson(body),
        (error: unknown) => {
          assert.ok(error instanceof OtlpDecodeError, String(error));
          assert.match(error.message, message);
          return true;
        },
      );
    let nested: unknown = { stringValue: 'leaf' };
    for (let level = 0; level < 40; level++) nested = { arrayValue: { values: [nested] } };
    assert.throws(
      () =>
        parseLogsRequestJson(
          JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: nested }] }] }] }),
        ),
      /value nested deeper than 32 levels/,
    );
  });
});

describe('OTLP/JSON all-zero ids', () => {
  it('refuses spans with an all-zero trace or span id (partial success), reads zero parent and log ids as absent, as the protobuf decoder does', () => {
    const span = (traceId: string, spanId: string, extra: object = {}) => ({
      traceId,
      spanId,
      name: 'x',
      ...extra,
    });
    const rejections = new Rejections();
    const decoded = parseTraceRequestJson(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  span('0'.repeat(32), 'eee19b7ec3c1b174'),
                  span('5b8efff798038103d269b633813fc60c', '0'.repeat(16)),
                  span('5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', {
                    parentSpanId: '0'.repeat(16),
                  }),
                ],
              },
            ],
          },
        ],
      }),
      rejections,
    );
    assert.equal(
      rejections.message,
      '2 items rejected; the first: resource_spans[0].scope_spans[0].spans[0].trace_id: all zeros (an invalid trace id)',
    );
    const kept = decoded[0]?.scopeSpans[0]?.spans;
    assert.equal(kept?.length, 1);
    assert.equal(kept?.[0]?.parentSpanId, undefined);
    const record = parseLogsRequestJson(
      JSON.stringify({
        resourceLogs: [
          { scopeLogs: [{ logRecords: [{ traceId: '0'.repeat(32), spanId: '0'.repeat(16) }] }] },
        ],
      }),
    )[0]?.scopeLogs[0]?.logRecords[0];
    assert.deepEqual([record?.traceId, record?.spanId], [undefined, undefined]);
  });
});

describe('OTLP/JSON decoding of hostile input', () => {
  it('answers deep nesting and 6,000 mutated bodies with a value or an OtlpDecodeError, nothing else', () => {
    for (const text of ['['.repeat(1_000_000), `{"resourceSpans":${'['.repeat(200_000)}`]) {
      assert.throws(() => parseTraceRequestJson(text), OtlpDecodeError);
    }
    const base = text(JsonTraceSerializer.serializeRequest(recordSpans()));
    const characters = '{}[]":,0123456789abcdefxyz-.tfn ';
    let random = 11;
    const next = () => (random = (random * 1103515245 + 12345) % 2147483648);
    let refused = 0;
    for (let round = 0; round < 2000; round++) {
      const mutated = base.split('');
      for (let flips = 0; flips < 1 + (round % 5); flips++)
        mutated[next() % mutated.length] = characters[next() % characters.length] as string;
      const body = mutated.join('');
      for (const parse of [parseTraceRequestJson, parseLogsRequestJson, parseMetricsRequestJson]) {
        try {
          parse(body);
        } catch (error) {
          assert.ok(error instanceof OtlpDecodeError, `round ${round}: ${String(error)}`);
          refused++;
        }
      }
    }
    assert.ok(refused > 2000, `only ${refused} of 6000 parses refused`);
  });
});

describe('OTLP metrics decoding', () => {
  it('decodes gauges, sums, histograms and exponential histograms the same from protobuf and JSON', async () => {
    const metrics = await recordMetrics();
    const fromProtobuf = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(metrics)!);
    const fromJson = parseMetricsRequestJson(text(JsonMetricsSerializer.serializeRequest(metrics)));
    assert.deepEqual(withoutZeroCounts(fromJson), withoutZeroCounts(fromProtobuf));
    const byName = new Map(
      fromProtobuf[0]?.scopeMetrics[0]?.metrics.map((metric) => [metric.name, metric]),
    );
    assert.equal(fromProtobuf[0]?.resource.attributes['service.name'], 'checkout');
    const cost = byName.get('elkhound.cost');
    assert.equal(cost?.unit, 'USD');
    assert.ok(cost?.data.type === 'sum');
    assert.equal(cost.data.isMonotonic, true);
    assert.equal(cost.data.aggregationTemporality, 2);
    assert.equal(cost.data.dataPoints[0]?.value, 0.25);
    assert.equal(cost.data.dataPoints[0]?.attributes['gen_ai.token.type'], 'input');
    const depth = byName.get('queue.depth');
    assert.ok(depth?.data.type === 'sum');
    assert.equal(depth.data.isMonotonic, false);
    assert.equal(depth.data.dataPoints[0]?.value, -3);
    const gauge = byName.get('cache.size');
    assert.ok(gauge?.data.type === 'gauge');
    assert.equal(gauge.data.dataPoints[0]?.value, 9007199254740);
    const duration = byName.get('gen_ai.client.operation.duration');
    assert.ok(duration?.data.type === 'histogram');
    const point = duration.data.dataPoints[0];
    assert.deepEqual(point?.explicitBounds, [0.01, 0.1, 1, 10]);
    // (-inf, 0.01], (0.01, 0.1], (0.1, 1], (1, 10], (10, +inf)
    assert.deepEqual(point?.bucketCounts, [1, 0, 2, 1, 1]);
    assert.equal(point?.count, 5);
    assert.equal(point?.min, 0.005);
    assert.equal(point?.max, 42);
    const firstChunk = byName.get('gen_ai.client.operation.time_to_first_chunk');
    assert.ok(firstChunk?.data.type === 'exponentialHistogram');
    const exponential = firstChunk.data.dataPoints[0];
    assert.equal(exponential?.count, 5);
    assert.equal(exponential?.zeroCount, 1);
    assert.equal(
      exponential?.positive.bucketCounts.reduce((total, count) => total + count, 0),
      4,
    );
    assert.ok(Number.isInteger(exponential?.scale));
  });

  it('refuses malformed metric requests with OtlpDecodeError only', async () => {
    const good = ProtobufMetricsSerializer.serializeRequest(await recordMetrics())!;
    let random = 7;
    const next = () => (random = (random * 1103515245 + 12345) % 2147483648);
    let refused = 0;
    for (let round = 0; round < 1000; round++) {
      const mutated = Buffer.from(good);
      for (let flips = 0; flips < 1 + (round % 4); flips++) {
        const at = next() % mutated.length;
        mutated[at] = (mutated[at] as number) ^ (1 << (next() % 8));
      }
      const cut = round % 3 === 0 ? mutated.subarray(0, next() % mutated.length) : mutated;
      try {
        decodeMetricsRequest(cut);
      } catch (error) {
        assert.ok(error instanceof OtlpDecodeError, `round ${round}: ${String(error)}`);
        refused++;
      }
    }
    assert.ok(refused > 300, `only ${refused} of 1000 mutated bodies were refused`);
    // A histogram data point with 2 counts and no bounds.
    const histogramPoint = Buffer.from([0x31, ...Array(8).fill(0), 0x31, ...Array(8).fill(0)]);
    const metric = Buffer.concat([
      Buffer.from([0x0a, 0x01, 0x68, 0x4a, histogramPoint.length + 2, 0x0a, histogramPoint.length]),
      histogramPoint,
    ]);
    const request = Buffer.concat([
      Buffer.from([0x0a, metric.length + 4, 0x12, metric.length + 2, 0x12, metric.length]),
      metric,
    ]);
    assert.throws(() => decodeMetricsRequest(request), {
      name: 'OtlpDecodeError',
      message:
        'resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0].bucket_counts: 2 counts for 0 bounds (expected one more count than bounds)',
    });
  });
});
