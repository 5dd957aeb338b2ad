import assert from 'node:assert/strict';
import type { Attributes, Span, SpanKind } from '@elkhound/otlp';
import {
  durationMicros,
  httpOutcome,
  representativeCount,
  spanService,
  timestampMicros,
  timestampMicrosText,
  transactionResult,
} from '../src/apm';
import { groupingKey } from '../src/exception';

function span(attributes: Attributes, kind: SpanKind = 3): Span {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: '0000000000000001',
    parentSpanId: 'aaaaaaaaaaaaaaaa',
    name: 'call',
    kind,
    startTime: [1763805600, 5],
    endTime: [1763805601, 7],
    attributes,
    events: [],
    links: [],
    status: { code: 0 },
  };
}

describe('the APM UI fields of a span (apm.ts)', () => {
  it('writes times in microseconds, rounded down as the APM pipeline does', () => {
    assert.equal(timestampMicros([1763805600, 123_456_789]), 1_763_805_600_123_456);
    assert.equal(durationMicros(1_500_000_999), 1_500_000);
    assert.equal(durationMicros(999), 0);
    // The text the span encoder writes is the number's, whatever the digits within the second.
    for (const time of [
      [1763805600, 123_456_789],
      [1763805600, 5],
      [1763805600, 99_999_999],
      [1763805601, 0],
      [0, 1_500],
      [7, 999_999_999],
    ] as const)
      assert.equal(
        timestampMicrosText([time[0], time[1]]),
        `${timestampMicros([time[0], time[1]])}`,
      );
  });

  it('gives the HTTP status class as the result, else the span status, else none', () => {
    assert.equal(transactionResult(200, 0), 'HTTP 2xx');
    assert.equal(transactionResult(503, 2), 'HTTP 5xx');
    assert.equal(transactionResult(99, 0), 'HTTP 99');
    assert.equal(transactionResult(undefined, 1), 'Success');
    assert.equal(transactionResult(undefined, 2), 'Error');
    assert.equal(transactionResult(undefined, 0), undefined);
  });

  it('derives an UNSET outcome from the HTTP status: 5xx fails a server, 4xx a client', () => {
    assert.equal(httpOutcome(404, true), 1);
    assert.equal(httpOutcome(500, true), 2);
    assert.equal(httpOutcome(404, false), 2);
    assert.equal(httpOutcome(204, false), 1);
    assert.equal(httpOutcome(undefined, true), undefined);
  });

  it('reads the representative count from the tracestate, only where it says how it sampled', () => {
    assert.equal(representativeCount(undefined), undefined);
    assert.equal(representativeCount('vendor=abc'), undefined);
    assert.equal(representativeCount('ot=th:8'), 2);
    assert.equal(representativeCount('ot=th:c'), 4);
    assert.equal(representativeCount('ot=th:0'), 1);
    assert.equal(representativeCount('vendor=x,ot=rv:abcdef;th:8'), 2);
    assert.equal(representativeCount('ot=p:3'), 8);
    assert.equal(representativeCount('ot=p:63'), 0);
    assert.equal(representativeCount('ot=th:zz'), undefined);
    assert.equal(representativeCount('not=th:8'), undefined);
  });

  it('types spans in the APM Server order and names the service they call', () => {
    assert.deepEqual(
      spanService(span({ 'db.system.name': 'postgresql', 'db.namespace': 'shop' })),
      {
        type: 'db',
        subtype: 'postgresql',
        resource: 'postgresql',
        targetType: 'postgresql',
        targetName: 'shop',
      },
    );
    assert.deepEqual(
      spanService(span({ 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' })),
      {
        type: 'messaging',
        subtype: 'kafka',
        resource: 'kafka/orders',
        targetType: 'kafka',
        targetName: 'orders',
      },
    );
    assert.deepEqual(
      spanService(
        span({
          'rpc.system': 'grpc',
          'rpc.service': 'Cart',
          'server.address': 'cart',
          'server.port': 50051,
        }),
      ),
      {
        type: 'external',
        subtype: 'grpc',
        resource: 'cart:50051',
        targetType: 'grpc',
        targetName: 'Cart',
      },
    );
    // A database call over HTTP is a database call (the APM Server's order).
    assert.equal(
      spanService(span({ 'http.request.method': 'POST', 'db.system.name': 'elasticsearch' })).type,
      'db',
    );
    for (const [url, resource] of [
      ['https://api.example.com/v1', 'api.example.com:443'],
      ['http://api.example.com:8080/v1', 'api.example.com:8080'],
      ['ftp://files.example.com/x', 'files.example.com'],
      ['constructor://files.example.com/x', 'files.example.com'],
      ['not a url', undefined],
    ] as const) {
      const service = spanService(span({ 'http.request.method': 'GET', 'url.full': url }));
      assert.deepEqual(
        [service.type, service.subtype, service.resource, service.targetType, service.targetName],
        ['external', 'http', resource, 'http', resource],
        url,
      );
    }
    // Remembered by address and port, whichever attribute the port came in: calls to one host
    // on two ports are two resources, one after the other.
    for (const provider of [{ 'http.request.method': 'GET' }, { 'gen_ai.provider.name': 'openai' }])
      for (const [port, resource] of [
        [{ 'server.port': 8080 }, 'api.example.com:8080'],
        [{ 'server.port': 8080 }, 'api.example.com:8080'],
        [{ 'net.peer.port': 9090 }, 'api.example.com:9090'],
        [{ 'net.peer.port': 9091 }, 'api.example.com:9091'],
        [{}, 'api.example.com'],
      ] as const)
        assert.equal(
          spanService(span({ ...provider, 'server.address': 'api.example.com', ...port })).resource,
          resource,
        );
    assert.deepEqual(
      spanService(
        span({
          'gen_ai.provider.name': 'anthropic',
          'server.address': 'api.anthropic.com',
          'server.port': 443,
        }),
      ),
      {
        type: 'genai',
        subtype: 'anthropic',
        resource: 'api.anthropic.com:443',
        targetType: 'genai',
        targetName: 'api.anthropic.com:443',
      },
    );
    assert.equal(spanService(span({ 'gen_ai.system': 'openai' })).resource, 'openai');
    // The last service is reused only for the same inputs.
    const openai = { 'gen_ai.provider.name': 'openai', 'server.address': 'api.openai.com' };
    const first = spanService(span({ ...openai, 'server.port': 443 }));
    assert.equal(spanService(span({ ...openai, 'server.port': 443 })), first);
    assert.equal(
      spanService(span({ ...openai, 'server.port': 8443 })).resource,
      'api.openai.com:8443',
    );
    assert.equal(
      spanService(span({ 'gen_ai.provider.name': 'openai', 'net.peer.name': 'proxy.local' }))
        .resource,
      'proxy.local',
    );
    assert.equal(
      spanService(span({ 'db.system.name': 'mysql', 'db.namespace': 'a' })).targetName,
      'a',
    );
    assert.equal(
      spanService(span({ 'db.system.name': 'mysql', 'db.namespace': 'b' })).targetName,
      'b',
    );
    assert.deepEqual(
      [spanService(span({}, 1)).type, spanService(span({}, 1)).subtype],
      ['app', 'internal'],
    );
    assert.equal(spanService(span({ 'app.tenant': 'acme' }, 3)).type, 'unknown');
    assert.equal(spanService(span({ 'app.tenant': 'acme' }, 3)).resource, undefined);
  });
});

describe('error.grouping_key', () => {
  const stack = (line: number) =>
    `TypeError: cannot read x of order ${line}\n    at load (/app/src/orders.js:${line}:7)\n    at main (/app/src/index.js:3:1)`;

  it('groups the same throw site across line moves and different messages', () => {
    assert.equal(
      groupingKey('TypeError', stack(10), 'cannot read x of order 10'),
      groupingKey('TypeError', stack(12), 'cannot read x of order 12'),
    );
    assert.match(groupingKey('TypeError', stack(10), undefined), /^[0-9a-f]{32}$/);
  });

  it('splits by type and by call path, and falls back to the message alone', () => {
    const base = groupingKey('TypeError', stack(10), undefined);
    assert.notEqual(groupingKey('RangeError', stack(10), undefined), base);
    assert.notEqual(groupingKey('TypeError', stack(10).replace('load', 'save'), undefined), base);
    assert.notEqual(groupingKey(undefined, undefined, 'a'), groupingKey(undefined, undefined, 'b'));
    assert.equal(groupingKey(undefined, undefined, 'a'), groupingKey(undefined, undefined, 'a'));
  });
});
