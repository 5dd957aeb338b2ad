// Regression tests of issue 12 and of what the differential test found, on bodies written byte
// by byte: unknown fields are skipped (never an error), malformed tags are refused with a path,
// all-zero ids are refused item by item.
import assert from 'node:assert/strict';
import {
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
  OtlpDecodeError,
  Rejections,
} from '../src';
import { fixed32, fixed64, message, tag, text, varint, varintField } from './support/wire';

/** One unknown field of each wire type, groups included (nested, with a field inside). */
const UNKNOWN_FIELDS = [
  varintField(90, 300),
  fixed64(91, 7n),
  message(92, [0x0a, 0x03, 1, 2, 3], [0x12, 0x00]),
  [
    ...tag(93, 3),
    ...varintField(1, 5),
    ...tag(94, 3),
    ...text(2, 'x'),
    ...tag(94, 4),
    ...tag(93, 4),
  ],
  fixed32(95, 9),
  // A large field number: a five-byte tag.
  message(2 ** 29 - 1, [1, 2, 3]),
].flat();

const span = (...extra: number[][]): number[] =>
  [
    message(1, Array(15).fill(0xab), [1]),
    message(2, Array(8).fill(0xcd)),
    text(5, 'chat'),
    ...extra,
  ].flat();
const traceRequest = (...spans: number[][]): Buffer =>
  Buffer.from(message(1, message(2, ...spans.map((item) => message(2, item)))));

const onlySpan = (body: Buffer) => decodeTraceRequest(body)[0]?.scopeSpans[0]?.spans[0];

describe('OTLP/protobuf unknown fields and malformed tags (issue 12)', () => {
  it('skips an unknown length-delimited field inside a span and reads the fields after it', () => {
    // Was: 400 "…dropped_events_count: wire type 5…" (the skip ended inside the field).
    const body = traceRequest(
      span(message(17, [0x65, 0x01, 0x02, 0x03, 0x04]), varintField(12, 3)),
    );
    const decoded = onlySpan(body);
    assert.equal(decoded?.name, 'chat');
    assert.equal(decoded?.droppedEventsCount, 3);
  });

  it('skips Resource.entity_refs and an unknown top-level field', () => {
    const entityRef = [
      text(1, 'https://opentelemetry.io/schemas/1.37.0'),
      text(2, 'service'),
      text(3, 'service.name'),
    ].flat();
    const resource = message(
      1,
      message(1, text(1, 'service.name'), message(2, text(1, 'checkout'))),
      message(3, entityRef),
    );
    const body = Buffer.from([
      ...text(7, 'a field of a newer release'),
      ...message(1, resource, message(2, message(2, span()))),
      ...message(8, [0x08, 0x01]),
    ]);
    const decoded = decodeTraceRequest(body);
    assert.deepEqual(decoded[0]?.resource.attributes, { 'service.name': 'checkout' });
    assert.equal(decoded[0]?.scopeSpans[0]?.spans[0]?.name, 'chat');
  });

  it('skips unknown fields of every wire type at every level of every signal', () => {
    const u = UNKNOWN_FIELDS;
    const keyValue = message(9, u, text(1, 'k'), u, message(2, u, text(1, 'v'), u), u);
    const nested = message(
      9,
      text(1, 'n'),
      message(2, message(5, u, message(1, u, varintField(3, 4), u), u), u),
      u,
    );
    const spanBytes = span(
      u,
      keyValue,
      nested,
      message(11, u, text(2, 'event'), u),
      message(13, u, message(1, Array(16).fill(2)), message(2, Array(8).fill(3)), u),
      message(15, u, varintField(3, 2), u),
      u,
    );
    // The same span alone, then with unknown fields in the request, ResourceSpans, Resource,
    // ScopeSpans and InstrumentationScope too.
    const trace = traceRequest(spanBytes);
    const wrapped = Buffer.from([
      ...u,
      ...message(
        1,
        u,
        message(1, u),
        u,
        message(2, u, message(1, u, text(1, 's'), u), u, message(2, spanBytes), u),
        u,
      ),
      ...u,
    ]);
    for (const body of [trace, wrapped]) {
      const decoded = onlySpan(body);
      assert.deepEqual(decoded?.attributes, { k: 'v', n: [4] });
      assert.equal(decoded?.events[0]?.name, 'event');
      assert.equal(decoded?.links[0]?.spanId, '0303030303030303');
      assert.deepEqual(decoded?.status, { code: 2 });
    }
    const logs = Buffer.from(
      message(
        1,
        u,
        message(
          2,
          u,
          message(
            2,
            u,
            message(
              5,
              u,
              message(6, u, message(1, u, text(1, 'a'), message(2, u, varintField(2, 1)))),
            ),
          ),
        ),
      ),
    );
    assert.deepEqual(decodeLogsRequest(logs)[0]?.scopeLogs[0]?.logRecords[0]?.body, { a: true });
    const point = (extra: number[]) => message(1, u, fixed64(3, 5n), extra, u);
    const metric = (data: number[]) => message(2, u, text(1, 'm'), data, u);
    const metrics = Buffer.from(
      message(
        1,
        message(
          2,
          metric(message(5, u, point(fixed64(4, 0n)))),
          metric(message(7, u, varintField(2, 2), point(fixed64(6, 3n)))),
          metric(message(9, u, point(message(8, u, varintField(1, 2), u)))),
          metric(message(10, u, point(message(8, u, varintField(1, 2), u)))),
          metric(message(11, u, point(message(6, u, fixed64(2, 0n), u)))),
        ),
      ),
    );
    const data = decodeMetricsRequest(metrics)[0]?.scopeMetrics[0]?.metrics.map(
      (item) => item.data,
    );
    assert.deepEqual(
      data?.map((item) => item.type),
      ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'],
    );
  });

  it('skips unknown fields 2 and 3 of Gauge, Summary and Histogram (fields other data types have)', () => {
    const metric = (data: number[]) => message(2, text(1, 'm'), data);
    const body = Buffer.from(
      message(
        1,
        message(
          2,
          metric(message(5, fixed32(2, 1), fixed64(3, 1n))),
          metric(message(11, fixed32(2, 1), text(3, 'x'))),
          metric(message(9, varintField(2, 1), fixed32(3, 1))),
        ),
      ),
    );
    const rejections = new Rejections();
    const decoded = decodeMetricsRequest(body, rejections);
    assert.equal(rejections.message, '');
    assert.equal(decoded[0]?.scopeMetrics[0]?.metrics.length, 3);
  });

  it('reads uint64 exponential-histogram bucket counts of 2^63 and above as positive', () => {
    const buckets = message(
      8,
      varintField(1, 2),
      message(2, varint(2n ** 63n), varint(2n ** 64n - 1n)),
    );
    const body = Buffer.from(
      message(1, message(2, message(2, text(1, 'm'), message(10, message(1, buckets))))),
    );
    const data = decodeMetricsRequest(body)[0]?.scopeMetrics[0]?.metrics[0]?.data;
    assert.ok(data?.type === 'exponentialHistogram');
    assert.deepEqual(data.dataPoints[0]?.positive.bucketCounts, [2 ** 63, 2 ** 64]);
  });

  it('refuses a tag with field number 0', () => {
    // 05c1db4b61: field 0, wire type 5 (was answered 200, nothing stored).
    assert.throws(() => decodeTraceRequest(Buffer.from('05c1db4b61', 'hex')), {
      name: 'OtlpDecodeError',
      message: /field number 0/,
    });
    // Inside a span: that span is refused, named by its path.
    const rejections = new Rejections();
    decodeTraceRequest(traceRequest(span(varintField(0, 1)), span()), rejections);
    assert.equal(rejections.count, 1);
    assert.match(
      rejections.message,
      /resource_spans\[0\]\.scope_spans\[0\]\.spans\[0\]: field number 0/,
    );
  });

  it('refuses a tag longer than five bytes or above 32 bits', () => {
    // 94e4ad8ce0c4d0752d: a nine-byte tag (was answered 200, nothing stored).
    assert.throws(() => decodeTraceRequest(Buffer.from('94e4ad8ce0c4d0752d', 'hex')), {
      name: 'OtlpDecodeError',
      message: /tag longer than 32 bits/,
    });
    // Five bytes but 33 bits: 2^32 + 0x0a would wrap onto resource_spans (field 1, wire type 2).
    assert.throws(
      () => decodeTraceRequest(Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x10, 0x00])),
      /tag longer than 32 bits/,
    );
    // A truncated tag.
    assert.throws(() => decodeTraceRequest(Buffer.from([0x8a, 0x80])), /truncated tag/);
    // Inside an attribute's value, with the path to it.
    const body = traceRequest(
      span(message(9, text(1, 'k'), message(2, [0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))),
    );
    assert.throws(() => decodeTraceRequest(body), {
      message:
        'resource_spans[0].scope_spans[0].spans[0].attributes["k"]: tag longer than 32 bits (not a protobuf tag)',
    });
  });

  it('refuses invalid wire types and unbalanced groups', () => {
    for (const [bytes, problem] of [
      [[...tag(20, 6), 0], /invalid wire type 6 \(field 20\)/],
      [[...tag(20, 7), 0], /invalid wire type 7 \(field 20\)/],
      [tag(20, 4), /end of group 20 without its start/],
      [[...tag(20, 3), ...varintField(1, 1)], /group 20 not ended/],
      [[...tag(20, 3), ...tag(21, 4)], /group 20 ended by the end of group 21/],
      [
        [...Array.from({ length: 40 }, (_, depth) => tag(30 + depth, 3)).flat()],
        /groups nested deeper than 32 levels/,
      ],
    ] as [number[], RegExp][]) {
      assert.throws(() => decodeTraceRequest(Buffer.from(bytes)), {
        name: 'OtlpDecodeError',
        message: problem,
      });
      const rejections = new Rejections();
      decodeLogsRequest(
        Buffer.from(message(1, message(2, message(2, bytes), message(2, [])))),
        rejections,
      );
      assert.equal(rejections.count, 1, String(problem));
      assert.match(rejections.message, /resource_logs\[0\]\.scope_logs\[0\]\.log_records\[0\]: /);
    }
  });

  it('refuses spans whose trace id or span id is all zeros, one by one (partial success)', () => {
    const zeroTrace = [
      message(1, Array(16).fill(0)),
      message(2, Array(8).fill(1)),
      text(5, 'a'),
    ].flat();
    const zeroSpan = [
      message(1, Array(16).fill(1)),
      message(2, Array(8).fill(0)),
      text(5, 'b'),
    ].flat();
    const rejections = new Rejections();
    const decoded = decodeTraceRequest(traceRequest(zeroTrace, span(), zeroSpan), rejections);
    assert.deepEqual(
      decoded[0]?.scopeSpans[0]?.spans.map((item) => item.name),
      ['chat'],
    );
    assert.equal(rejections.count, 2);
    assert.equal(
      rejections.message,
      '2 items rejected; the first: resource_spans[0].scope_spans[0].spans[0].trace_id: all zeros (an invalid trace id)',
    );
    assert.throws(() => decodeTraceRequest(traceRequest(zeroSpan)), {
      message: 'resource_spans[0].scope_spans[0].spans[0].span_id: all zeros (an invalid span id)',
    });
  });

  it('reads an all-zero parent span id as none, and all-zero ids of a log record as absent', () => {
    const root = onlySpan(traceRequest(span(message(4, Array(8).fill(0)), fixed32(16, 0x300))));
    assert.equal(root?.parentSpanId, undefined);
    assert.equal(root?.parentIsRemote, undefined);
    const record = decodeLogsRequest(
      Buffer.from(
        message(
          1,
          message(
            2,
            message(2, message(9, Array(16).fill(0)), message(10, Array(8).fill(0)), text(12, 'e')),
          ),
        ),
      ),
    )[0]?.scopeLogs[0]?.logRecords[0];
    assert.deepEqual(record, { attributes: {}, eventName: 'e' });
  });

  it('refuses negative span kinds and status codes (int32 enums written in ten bytes)', () => {
    assert.throws(
      () => decodeTraceRequest(traceRequest(span(varintField(6, -1)))),
      /kind: -1 is not a SpanKind/,
    );
    assert.throws(
      () => decodeTraceRequest(traceRequest(span(message(15, varintField(3, -2))))),
      /status\.code: -2 is not a StatusCode/,
    );
  });

  it('throws nothing but OtlpDecodeError for bodies of random bytes', () => {
    let state = 12;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let round = 0; round < 3000; round++) {
      const body = Buffer.from(Array.from({ length: next() % 64 }, () => next() >>> 24));
      for (const decode of [decodeTraceRequest, decodeLogsRequest, decodeMetricsRequest]) {
        try {
          decode(body, new Rejections());
        } catch (error) {
          assert.ok(error instanceof OtlpDecodeError, `${body.toString('hex')}: ${String(error)}`);
        }
      }
    }
  });
});
