import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { context, trace, type Attributes } from '@opentelemetry/api';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
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
  decodeTraceRequest,
  fromReadableLogRecords,
  fromReadableSpans,
  OtlpDecodeError,
  type ResourceSpans,
} from '../src';

function recordSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'process.pid': 4242,
      'host.name': 'h1',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('@elkhound/instrumentation-genai', '0.1.0');
  const attributes: Attributes = {
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 1240,
    'gen_ai.request.temperature': 0.25,
    'gen_ai.request.stream': true,
    'gen_ai.response.finish_reasons': ['stop', 'length'],
    'big.negative': -1234567890123,
    'text.unicode': 'résumé ✓ 🐕',
  };
  const root = tracer.startSpan('POST /checkout', { kind: 1, startTime: [1763805600, 123456789] });
  const child = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: 2,
      attributes,
      startTime: [1763805600, 999999999],
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

describe('OTLP/protobuf decoding', () => {
  it('decodes the same under --disallow-code-generation-from-strings (shapes then built by keyed stores)', () => {
    // Enough spans of one shape for the decoder to try compiling it.
    const spans = Array.from({ length: 6 }, () => recordSpans()).flat();
    const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    const script = `
      const { decodeTraceRequest } = require(${JSON.stringify(join(__dirname, '..', 'dist'))});
      const input = Buffer.from(require('node:fs').readFileSync(0));
      let out;
      for (let round = 0; round < 4; round++) out = decodeTraceRequest(input);
      process.stdout.write(JSON.stringify(out));`;
    const child = spawnSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '-e', script],
      { input: bytes, encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const expected = JSON.parse(JSON.stringify(decodeTraceRequest(bytes))) as unknown;
    assert.deepEqual(JSON.parse(child.stdout) as unknown, expected);
  });

  it('reads names that differ from the ones their shape expects, and keeps reading while the shape table restarts', () => {
    // The decoder guesses each key from the names spans of the same shape had: a guess must only
    // ever be taken when the bytes match. Names of the same length differing in one byte (first,
    // middle, last), names in another order, a prefix, one more or one fewer name, non-ASCII
    // names; then thousands of distinct names (more than the shape table holds) among them.
    const shapes: Attributes[] = [
      { 'gen_ai.usage.input_tokens': 1, 'gen_ai.usage.output_tokens': 2, model: 'a' },
      { 'gen_ai.usage.input_tokenz': 1, 'gen_ai.usage.output_tokens': 2, model: 'a' },
      { 'fen_ai.usage.input_tokens': 1, 'gen_ai.usage.output_tokens': 2, model: 'b' },
      { 'gen_ai.usage.input_tokens': 1, 'gen_ai.usage.outpuT_tokens': 2, model: 'a' },
      { 'gen_ai.usage.output_tokens': 2, 'gen_ai.usage.input_tokens': 1, model: 'a' },
      { 'gen_ai.usage.input_tokens': 1, 'gen_ai.usage.output_tokens': 2 },
      { 'gen_ai.usage.input_tokens': 1, 'gen_ai.usage.output_tokens': 2, model: 'a', extra: true },
      { 'gen_ai.usage.input_token': 1, 'gen_ai.usage.output_tokens': 2, model: 'a' },
      { 'gen_ai.usage.ïnput_tokens': 1, 'gen_ai.usage.output_tokens': 2, mödel: 'a' },
    ];
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('shapes');
    const expected: Attributes[] = [];
    for (let round = 0; round < 6; round++) {
      for (const attributes of shapes) {
        tracer.startSpan('s', { attributes }).end();
        expected.push(attributes);
      }
    }
    for (let index = 0; index < 6000; index++) {
      const attributes: Attributes = { [`name.${index}`]: index, 'gen_ai.usage.input_tokens': 1 };
      tracer.startSpan('s', { attributes }).end();
      expected.push(attributes);
      if (index % 500 === 0) {
        for (const shape of shapes) {
          tracer.startSpan('s', { attributes: shape }).end();
          expected.push(shape);
        }
      }
    }
    const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    assert.ok(bytes);
    for (let pass = 0; pass < 2; pass++) {
      const decoded: object[] = decodeTraceRequest(bytes).flatMap((group) =>
        group.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.attributes)),
      );
      assert.equal(decoded.length, expected.length);
      decoded.forEach((attributes, index) => {
        assert.deepEqual(attributes, expected[index], `span ${index}, pass ${pass}`);
        assert.deepEqual(Object.keys(attributes), Object.keys(expected[index] as Attributes));
      });
    }
  });

  it('reads string values that differ from the ones their attribute had before', () => {
    // Short values are guessed from the last span of the shape; the guess must only be taken
    // when the bytes match: same length with one byte changed, empty, non-ASCII, values that
    // change on every span, long values.
    const values = [
      ...Array.from({ length: 5 }, () => 'openai'),
      'openaj',
      'penai!',
      'OpenAI',
      '',
      'openai',
      'öpenai',
      ...Array.from({ length: 12 }, (_, index) => `model-${index}`),
      'openai',
      `${'x'.repeat(40)}1`,
      `${'x'.repeat(40)}2`,
      'openai',
    ];
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('values');
    for (const value of values) {
      tracer
        .startSpan('s', { attributes: { 'gen_ai.provider.name': value, other: value, n: 1 } })
        .end();
    }
    const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    assert.ok(bytes);
    for (let pass = 0; pass < 2; pass++) {
      const decoded: object[] = decodeTraceRequest(bytes).flatMap((group) =>
        group.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.attributes)),
      );
      assert.deepEqual(
        decoded,
        values.map((value) => ({ 'gen_ai.provider.name': value, other: value, n: 1 })),
      );
    }
  });

  it('reads ids that differ by one byte from the ones met just before', () => {
    // The decoder compares an id with the ones it met last before making a new string.
    // Nearly all zeros first: the ids remembered start as all zeros.
    const traceIds = [
      `${'0'.repeat(30)}01`,
      `${'ab'.repeat(15)}01`,
      `${'ab'.repeat(15)}02`,
      `01${'ab'.repeat(15)}`,
      `${'ab'.repeat(15)}03`,
    ];
    const spanIds = [
      `01${'0'.repeat(14)}`,
      'cdcdcdcdcdcdcd01',
      'cdcdcdcdcdcdcd02',
      '01cdcdcdcdcdcdcd',
    ];
    let traceCall = 0;
    let spanCall = 0;
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      idGenerator: {
        generateTraceId: () => traceIds[traceCall++ % traceIds.length] as string,
        generateSpanId: () => spanIds[(spanCall++ * 3) % spanIds.length] as string,
      },
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('ids');
    for (let index = 0; index < 24; index++) {
      const parent = tracer.startSpan('parent');
      tracer.startSpan('child', {}, trace.setSpan(context.active(), parent)).end();
      parent.end();
    }
    const spans = exporter.getFinishedSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(spans);
    assert.ok(bytes);
    const ids = (requests: ResourceSpans[]) =>
      requests.flatMap((request) =>
        request.scopeSpans.flatMap((scope) =>
          scope.spans.map((span) => [span.traceId, span.spanId, span.parentSpanId ?? '']),
        ),
      );
    const expected = ids(fromReadableSpans(spans));
    assert.ok(new Set(expected.map((row) => row.join())).size > 8, 'ids vary');
    assert.deepEqual(ids(decodeTraceRequest(bytes)), expected);
    assert.deepEqual(ids(decodeTraceRequest(bytes)), expected);
  });

  it('reads all-zero link ids as zeros, also as the first ids a process decodes', () => {
    // A link to an invalid (all-zero) context is allowed (it may carry attributes); the ids the
    // decoder remembers start as all zeros, so the first ones it meets must still be read right.
    // Written by hand: the SDK drops such links.
    const field = (number: number, bytes: number[]): number[] => [
      (number << 3) | 2,
      bytes.length,
      ...bytes,
    ];
    const link = [...field(1, Array(16).fill(0)), ...field(2, Array(8).fill(0))];
    const span = [
      ...field(1, Array(15).fill(0xab).concat([1])),
      ...field(2, Array(8).fill(0xcd)),
      ...field(5, [0x78]),
      ...field(13, link),
    ];
    const request = Buffer.from(field(1, field(2, field(2, span))));
    const script = `
      const { decodeTraceRequest } = require(${JSON.stringify(join(__dirname, '..', 'dist'))});
      const link = decodeTraceRequest(Buffer.from(process.argv[1], 'hex'))[0].scopeSpans[0].spans[0].links[0];
      process.stdout.write(JSON.stringify([link.traceId, link.spanId]));`;
    const child = spawnSync(process.execPath, ['-e', script, request.toString('hex')], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const zeros = ['0'.repeat(32), '0'.repeat(16)];
    assert.deepEqual(JSON.parse(child.stdout), zeros);
    const here = decodeTraceRequest(request)[0]?.scopeSpans[0]?.spans[0]?.links[0];
    assert.deepEqual([here?.traceId, here?.spanId], zeros);
  });

  it('decodes what the OpenTelemetry JS serializer writes into exactly the SDK adapter output', () => {
    const spans = recordSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(spans);
    assert.ok(bytes && bytes.length > 100);
    const decoded = decodeTraceRequest(bytes);
    const expected = fromReadableSpans(spans);
    // The wire has no droppedX counts of zero and no empty trace state; compare what it carries.
    const normalise = (requests: ResourceSpans[]) =>
      requests.flatMap((request) =>
        request.scopeSpans.flatMap((scope) =>
          scope.spans.map((span) => ({
            scope: scope.scope.name,
            version: scope.scope.version,
            resource: request.resource.attributes,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId,
            name: span.name,
            kind: span.kind,
            startTime: span.startTime,
            endTime: span.endTime,
            attributes: span.attributes,
            events: span.events.map((event) => ({
              time: event.time,
              name: event.name,
              attributes: event.attributes,
            })),
            links: span.links.map((link) => ({
              traceId: link.traceId,
              spanId: link.spanId,
              attributes: link.attributes,
            })),
            status: span.status,
          })),
        ),
      );
    assert.deepEqual(normalise(decoded), normalise(expected));
    const chat = decoded[0]?.scopeSpans[0]?.spans.find((span) => span.name === 'chat gpt-4o-mini');
    assert.deepEqual(chat?.startTime, [1763805600, 999999999]);
    assert.equal(chat?.attributes['big.negative'], -1234567890123);
    assert.equal(chat?.parentIsRemote, false);
  });

  it('decodes log records with bodies of every shape', async () => {
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
      body: { order: { id: 7, items: ['a', 'b'] }, ok: false, ratio: 0.5 },
      severityNumber: 17,
      eventName: 'payment.failed',
    });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    const decoded = decodeLogsRequest(
      ProtobufLogsSerializer.serializeRequest(records) as Uint8Array,
    );
    const expected = fromReadableLogRecords(records);
    const pick = (logs: typeof decoded) =>
      logs.flatMap((group) =>
        group.scopeLogs.flatMap((scope) =>
          scope.logRecords.map((record) => ({
            scope: scope.scope.name,
            time: record.time,
            observedTime: record.observedTime,
            severityNumber: record.severityNumber,
            severityText: record.severityText,
            body: record.body,
            eventName: record.eventName,
          })),
        ),
      );
    assert.deepEqual(pick(decoded), pick(expected));
  });

  it('names what is wrong and where for malformed input, and never throws anything else', () => {
    const good = ProtobufTraceSerializer.serializeRequest(recordSpans()) as Uint8Array;
    assert.throws(() => decodeTraceRequest(good.subarray(0, good.length - 7)), OtlpDecodeError);
    // A span whose trace id is 3 bytes long: resource_spans → scope_spans → spans → trace_id.
    const badTraceId = Buffer.from([0x0a, 0x09, 0x12, 0x07, 0x12, 0x05, 0x0a, 0x03, 1, 2, 3]);
    assert.throws(() => decodeTraceRequest(badTraceId), {
      name: 'OtlpDecodeError',
      message: 'resource_spans[0].scope_spans[0].spans[0].trace_id: expected 16 bytes, got 3',
    });
    assert.throws(
      () => decodeTraceRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])),
      /exceeds the 0 bytes that remain/,
    );
    let random = 42;
    const next = () => (random = (random * 1103515245 + 12345) % 2147483648);
    for (let round = 0; round < 2000; round++) {
      const mutated = Buffer.from(good);
      for (let flips = 0; flips < 1 + (round % 4); flips++) {
        const at = next() % mutated.length;
        mutated[at] = (mutated[at] as number) ^ (1 << (next() % 8));
      }
      const cut = round % 3 === 0 ? mutated.subarray(0, next() % mutated.length) : mutated;
      try {
        decodeTraceRequest(cut);
      } catch (error) {
        assert.ok(error instanceof OtlpDecodeError, `round ${round}: ${String(error)}`);
      }
    }
  });

  it('refuses values nested deeper than the limit, and accepts nesting within it', () => {
    const field = (tag: number, payload: Buffer) => {
      const length: number[] = [];
      let rest = payload.length;
      do {
        length.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
        rest >>>= 7;
      } while (rest > 0);
      return Buffer.concat([Buffer.from([tag, ...length]), payload]);
    };
    const request = (depth: number) => {
      let value = field(0x0a, Buffer.from('leaf')); // AnyValue.string_value
      for (let level = 0; level < depth; level++) value = field(0x2a, field(0x0a, value)); // array_value.values
      const keyValue = Buffer.concat([field(0x0a, Buffer.from('k')), field(0x12, value)]);
      return field(0x0a, field(0x0a, field(0x0a, keyValue))); // resource_spans.resource.attributes
    };
    assert.equal(decodeTraceRequest(request(10)).length, 1);
    assert.throws(() => decodeTraceRequest(request(40)), {
      name: 'OtlpDecodeError',
      message: 'resource_spans[0].resource.attributes["k"]: value nested deeper than 32 levels',
    });
  });
});
