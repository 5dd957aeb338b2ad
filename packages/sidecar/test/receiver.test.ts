import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { makeSpans, traceRequestJson, traceRequestProtobuf } from './support/requests';
import {
  metricValue,
  spawnSidecar,
  temporaryDirectory,
  type SidecarProcess,
} from './support/sidecar-process';

interface Answer {
  status: number;
  contentType: string | null;
  body: Buffer;
}

async function post(
  sidecar: SidecarProcess,
  path: string,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(sidecar.url(path), { method: 'POST', headers, body });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** A deterministic generator, so a failing body can be found again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('receiver: answers and limits', function () {
  this.timeout(120_000);
  let sidecar: SidecarProcess;
  const validProtobuf = traceRequestProtobuf(makeSpans(5));
  const validJson = traceRequestJson(makeSpans(3));

  before(async () => {
    sidecar = await spawnSidecar(
      { ELKHOUND_MAX_REQUEST_BYTES: '1MiB', ELKHOUND_MAX_DECOMPRESSED_BYTES: '4MiB' },
      temporaryDirectory('receiver'),
    );
  });
  after(async () => {
    assert.equal(await sidecar.stop(), 0);
  });

  it('answers protobuf with protobuf and JSON with JSON (empty partial success)', async () => {
    const protobuf = await post(sidecar, '/v1/traces', validProtobuf, PROTOBUF);
    assert.equal(protobuf.status, 200);
    assert.equal(protobuf.contentType, 'application/x-protobuf');
    assert.equal(protobuf.body.length, 0);
    const json = await post(sidecar, '/v1/traces', validJson, JSON_TYPE);
    assert.equal(json.status, 200);
    assert.equal(json.contentType, 'application/json');
    assert.deepEqual(JSON.parse(json.body.toString()), {});
    const gzipped = await post(sidecar, '/v1/traces', gzipSync(validProtobuf), {
      ...PROTOBUF,
      'content-encoding': 'gzip',
    });
    assert.equal(gzipped.status, 200);
  });

  it('partial success: a span that does not decode is refused alone, the others are kept', async () => {
    const withBadSpan = () => {
      const spans = makeSpans(3);
      const good = spans[1] as ReadableSpan;
      // A trace id of 2 bytes instead of 16, as a broken client might send.
      spans[1] = Object.create(good, {
        spanContext: { value: () => ({ ...good.spanContext(), traceId: 'abcd' }) },
      }) as ReadableSpan;
      return spans;
    };
    const before = await metricValue(sidecar, 'elkhound_received_spans_total');
    const json = await post(sidecar, '/v1/traces', traceRequestJson(withBadSpan()), JSON_TYPE);
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(json.body.toString()), {
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage:
          '1 item rejected: resource_spans[0].scope_spans[0].spans[1].trace_id: expected 16 bytes, got 2',
      },
    });
    const protobuf = await post(
      sidecar,
      '/v1/traces',
      traceRequestProtobuf(withBadSpan()),
      PROTOBUF,
    );
    assert.equal(protobuf.status, 200);
    // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1) = 1, error_message (2) } }
    const message = protobuf.body.toString('utf8');
    assert.equal(protobuf.body[0], 0x0a);
    assert.equal(protobuf.body[2], 0x08);
    assert.equal(protobuf.body[3], 1);
    assert.match(message, /spans\[1\]\.trace_id: expected 16 bytes, got 2/);
    assert.equal(await metricValue(sidecar, 'elkhound_received_spans_total'), before + 4);
  });

  it('a body that does not decode: 400 with a Status naming what is wrong', async () => {
    const json = await post(
      sidecar,
      '/v1/traces',
      '{"resourceSpans":[{"scopeSpans":7}]}',
      JSON_TYPE,
    );
    assert.equal(json.status, 400);
    const status = JSON.parse(json.body.toString()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /scope_spans/);
    const protobuf = await post(
      sidecar,
      '/v1/traces',
      validProtobuf.subarray(0, validProtobuf.length - 3),
      PROTOBUF,
    );
    assert.equal(protobuf.status, 400);
    assert.equal(protobuf.contentType, 'application/x-protobuf');
    // google.rpc.Status: field 1 (code) = 3, field 2 (message) a readable text.
    assert.equal(protobuf.body[0], 0x08);
    assert.equal(protobuf.body[1], 3);
    assert.ok(protobuf.body.toString('utf8').length > 10);
  });

  it('415 for unknown content types and encodings, 404 and 405 elsewhere', async () => {
    assert.equal(
      (await post(sidecar, '/v1/traces', validJson, { 'content-type': 'text/plain' })).status,
      415,
    );
    assert.equal(
      (await post(sidecar, '/v1/traces', validJson, { ...JSON_TYPE, 'content-encoding': 'br' }))
        .status,
      415,
    );
    assert.equal((await post(sidecar, '/v1/nothing', validJson, JSON_TYPE)).status, 404);
    const get = await fetch(sidecar.url('/v1/traces'));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await fetch(sidecar.url('/healthz'))).status, 200);
    assert.equal((await fetch(sidecar.url('/readyz'))).status, 200);
  });

  it('413 for a body over the limit, declared or streamed, and for a gzip bomb', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    assert.equal((await post(sidecar, '/v1/traces', big, PROTOBUF)).status, 413);
    // No Content-Length: the limit is enforced on the bytes as they arrive.
    const streamed = await fetch(sidecar.url('/v1/traces'), {
      method: 'POST',
      headers: PROTOBUF,
      body: new ReadableStream({
        start(controller) {
          for (let index = 0; index < 40; index++) controller.enqueue(new Uint8Array(64 * 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.length < 1024 * 1024);
    const answer = await post(sidecar, '/v1/traces', bomb, {
      ...PROTOBUF,
      'content-encoding': 'gzip',
    });
    assert.equal(answer.status, 413);
    assert.match(answer.body.toString(), /decompressed/);
  });

  it('gRPC: a body that does not decode is INVALID_ARGUMENT', async () => {
    const client = new grpc.Client(
      `127.0.0.1:${sidecar.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          Buffer.from([0x0a, 0x7f, 0x01]),
          (failure) => resolve(failure),
        );
      });
      assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
    } finally {
      client.close();
    }
  });

  it('gRPC: a gzip-compressed message over the decompressed limit is refused with RESOURCE_EXHAUSTED', async () => {
    const client = new grpc.Client(
      `127.0.0.1:${sidecar.grpcPort}`,
      grpc.credentials.createInsecure(),
      {
        'grpc.default_compression_algorithm': 2, // gzip
      },
    );
    try {
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          Buffer.alloc(6 * 1024 * 1024),
          (failure) => resolve(failure),
        );
      });
      assert.equal(error?.code, grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      client.close();
    }
    assert.equal((await fetch(sidecar.url('/healthz'))).status, 200);
  });

  it('fuzz: over 1,000 bad bodies are each answered 4xx, the process stays up with bounded memory', async () => {
    const next = random(20261122);
    const bodies: Array<{
      kind: string;
      body: Buffer | string;
      headers: Record<string, string>;
      path: string;
    }> = [];
    const path = (): string =>
      ['/v1/traces', '/v1/logs', '/v1/metrics'][Math.floor(next() * 3)] as string;
    // Truncated protobuf: a cut inside the one top-level field always leaves a length past the end.
    for (let index = 0; index < 250; index++) {
      const cut = 1 + Math.floor(next() * (validProtobuf.length - 1));
      bodies.push({
        kind: 'truncated',
        body: validProtobuf.subarray(0, cut),
        headers: PROTOBUF,
        path: '/v1/traces',
      });
    }
    // Structurally wrong protobuf: an invalid wire type, or a length past the end, after random bytes.
    for (let index = 0; index < 150; index++) {
      const noise = Buffer.from(
        Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256)),
      );
      const head = index % 2 === 0 ? Buffer.from([0x0f]) : Buffer.from([0x0a, 0xff, 0xff, 0x03]);
      bodies.push({
        kind: 'wire',
        body: Buffer.concat([head, noise]),
        headers: PROTOBUF,
        path: path(),
      });
    }
    // Invalid JSON: cut or corrupted text.
    for (let index = 0; index < 200; index++) {
      const cut = 1 + Math.floor(next() * (validJson.length - 2));
      // Cut, trailing garbage, or an unclosed wrapper: each is invalid wherever it falls.
      const text =
        index % 3 === 0
          ? validJson.slice(0, cut)
          : index % 3 === 1
            ? validJson + ',}'.slice(0, 1 + (cut % 2))
            : '['.repeat(1 + (cut % 5)) + validJson;
      bodies.push({ kind: 'invalid json', body: text, headers: JSON_TYPE, path: '/v1/traces' });
    }
    // Wrong types where the OTLP JSON mapping wants arrays, objects or ids.
    const wrong: unknown[] = [5, 'x', true, null, { a: 1 }];
    for (let index = 0; index < 150; index++) {
      const value = wrong[index % wrong.length];
      const shapes = [
        { resourceSpans: value },
        { resourceSpans: [{ scopeSpans: value }] },
        {
          resourceSpans: [
            { scopeSpans: [{ spans: [{ traceId: value === null ? 7 : value, spanId: 'abcd' }] }] },
          ],
        },
      ];
      const shape = shapes[index % shapes.length];
      if (JSON.stringify(shape).includes('null') && index % shapes.length !== 2) continue;
      bodies.push({
        kind: 'wrong types',
        body: JSON.stringify(shape),
        headers: JSON_TYPE,
        path: '/v1/traces',
      });
    }
    // Deep nesting in an attribute value, and huge attributes over the request limit.
    for (let index = 0; index < 50; index++) {
      const depth = 100 + Math.floor(next() * 5000);
      const value = '{"arrayValue":{"values":['.repeat(depth) + ']}}'.repeat(depth);
      const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"deep","value":${value}}]},"scopeSpans":[]}]}`;
      bodies.push({ kind: 'deep', body, headers: JSON_TYPE, path: '/v1/traces' });
    }
    for (let index = 0; index < 30; index++) {
      const huge = 'x'.repeat(1024 * 1024 + Math.floor(next() * 1024));
      const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"huge","value":{"stringValue":"${huge}"}}]},"scopeSpans":[]}]}`;
      bodies.push({ kind: 'huge', body, headers: JSON_TYPE, path: '/v1/traces' });
    }
    // Gzip bombs and bodies that are not gzip at all.
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: 9 });
    for (let index = 0; index < 30; index++) {
      bodies.push({
        kind: 'gzip bomb',
        body: bomb,
        headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
        path: path(),
      });
    }
    for (let index = 0; index < 60; index++) {
      const cut = 1 + Math.floor(next() * 40);
      bodies.push({
        kind: 'bad gzip',
        body: gzipSync(validProtobuf).subarray(0, cut),
        headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
        path: '/v1/traces',
      });
    }
    // Wrong content types.
    const types = ['text/plain', 'application/xml', 'application/grpc', 'multipart/form-data', ''];
    for (let index = 0; index < 150; index++) {
      const type = types[index % types.length] as string;
      bodies.push({
        kind: 'content type',
        body: validProtobuf,
        headers: type ? { 'content-type': type } : {},
        path: path(),
      });
    }
    // Bit flips: most break the message; one that still decodes is a valid request, which is
    // counted apart (a 2xx is correct for it), never a 5xx.
    let flipsAccepted = 0;
    const flips: Buffer[] = [];
    for (let index = 0; index < 200; index++) {
      const flipped = Buffer.from(validProtobuf);
      const position = Math.floor(next() * flipped.length);
      flipped[position] = (flipped[position] as number) ^ (1 << Math.floor(next() * 8));
      flips.push(flipped);
    }
    assert.ok(bodies.length >= 1000, `${bodies.length} guaranteed-bad bodies`);

    const failures: string[] = [];
    const queue = [...bodies];
    const workers = Array.from({ length: 8 }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const answer = await post(sidecar, item.path, item.body, item.headers).catch(
          (error: unknown) => ({
            status: 0,
            body: Buffer.from(String(error)),
            contentType: null,
          }),
        );
        if (answer.status < 400 || answer.status >= 500)
          failures.push(`${item.kind}: ${answer.status} ${answer.body.toString().slice(0, 200)}`);
      }
    });
    await Promise.all(workers);
    for (const flipped of flips) {
      const answer = await post(sidecar, '/v1/traces', flipped, PROTOBUF);
      if (answer.status === 200) flipsAccepted++;
      else if (answer.status !== 400) failures.push(`bit flip: ${answer.status}`);
    }
    assert.deepEqual(failures, []);
    // Most bytes of a request are text and numbers, where a flipped bit is still a valid request.
    assert.ok(
      flipsAccepted < flips.length,
      `all ${flips.length} bit flips decoded: the decoder checks nothing`,
    );
    assert.equal((await fetch(sidecar.url('/healthz'))).status, 200);
    assert.equal(sidecar.child.exitCode, null);
    const rss = await metricValue(sidecar, 'process_resident_memory_bytes');
    assert.ok(rss < 300 * 1024 * 1024, `RSS ${Math.round(rss / 1048576)} MiB after the fuzz`);
  });
});

describe('receiver: in-flight byte budget', function () {
  this.timeout(60_000);

  /** A slow client: declares 1 MiB and sends only the start, holding that much of the budget. */
  async function holdBudget(sidecar: {
    httpPort?: number;
  }): Promise<import('node:http').ClientRequest> {
    const http = await import('node:http');
    const slow = http.request({
      host: '127.0.0.1',
      port: sidecar.httpPort,
      path: '/v1/traces',
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-length': 1024 * 1024 },
    });
    slow.on('error', () => undefined);
    slow.write(Buffer.alloc(100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    return slow;
  }

  it('a request that would take more than the budget while others hold it gets 503 with Retry-After, and succeeds later', async () => {
    const sidecar = await spawnSidecar(
      { ELKHOUND_MAX_REQUEST_BYTES: '1MiB', ELKHOUND_MAX_IN_FLIGHT_BYTES: '1536KiB' },
      temporaryDirectory('budget'),
    );
    const slow = await holdBudget(sidecar);
    try {
      const huge = 'x'.repeat(900 * 1024);
      const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"big","value":{"stringValue":"${huge}"}}]},"scopeSpans":[]}]}`;
      const refused = await fetch(sidecar.url('/v1/traces'), {
        method: 'POST',
        headers: JSON_TYPE,
        body,
      });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      // google.rpc.Status in the request's encoding: code 14 UNAVAILABLE.
      assert.deepEqual(await refused.json(), {
        code: 14,
        message: 'the receiver holds as many request bytes as it may at once; retry shortly',
      });
      slow.destroy();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const accepted = await fetch(sidecar.url('/v1/traces'), {
        method: 'POST',
        headers: JSON_TYPE,
        body,
      });
      assert.equal(accepted.status, 200);
    } finally {
      slow.destroy();
      assert.equal(await sidecar.stop(), 0);
    }
  });

  it('gRPC messages share the budget with HTTP requests: UNAVAILABLE with RetryInfo while it is held, OK later', async () => {
    const sidecar = await spawnSidecar(
      { ELKHOUND_MAX_REQUEST_BYTES: '1MiB', ELKHOUND_MAX_IN_FLIGHT_BYTES: '1536KiB' },
      temporaryDirectory('budget-grpc'),
    );
    const slow = await holdBudget(sidecar);
    const client = new grpc.Client(
      `127.0.0.1:${sidecar.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    // ExportTraceServiceRequest { resource_spans { resource { attributes { key, value } } } }
    const field = (number: number, bytes: Buffer): Buffer => {
      const length: number[] = [];
      let rest = bytes.length;
      while (rest >= 0x80) {
        length.push((rest & 0x7f) | 0x80);
        rest >>>= 7;
      }
      length.push(rest);
      return Buffer.concat([Buffer.from([(number << 3) | 2, ...length]), bytes]);
    };
    const keyValue = field(
      1,
      Buffer.concat([
        field(1, Buffer.from('big')),
        field(2, field(1, Buffer.from('x'.repeat(900 * 1024)))),
      ]),
    );
    const message = field(1, field(1, keyValue));
    const send = () =>
      new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          message,
          (failure) => resolve(failure),
        );
      });
    try {
      const refused = await send();
      assert.equal(refused?.code, grpc.status.UNAVAILABLE, String(refused?.details));
      assert.ok(
        refused?.metadata.get('grpc-status-details-bin').length === 1,
        'the status carries RetryInfo details',
      );
      slow.destroy();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await send(), null);
    } finally {
      client.close();
      slow.destroy();
      assert.equal(await sidecar.stop(), 0);
    }
  });
});
