import assert from 'node:assert/strict';
import type { LogRecord, ResourceMetrics, ResourceSpans, Span } from '@elkhound/otlp';
import { encodeLogs, encodeMetrics, encodeSpans, encoderFor, MAX_LABEL_LENGTH } from '../src';

const TRACE = '5b8efff798038103d269b633813fc60c';

function span(overrides: Partial<Span> = {}): Span {
  return {
    traceId: TRACE,
    spanId: 'eee19b7ec3c1b174',
    name: 'work',
    kind: 1,
    startTime: [1763805600, 5],
    endTime: [1763805601, 7],
    attributes: {},
    events: [],
    links: [],
    status: { code: 0 },
    ...overrides,
  };
}

function spansOf(spans: Span[], resourceAttributes: Record<string, string> = {}): ResourceSpans[] {
  return [
    {
      resource: { attributes: { 'service.name': 'checkout', ...resourceAttributes } },
      scopeSpans: [{ scope: { name: 'scope' }, spans }],
    },
  ];
}

function sourceOf(json: string): Record<string, unknown> {
  return JSON.parse(json) as Record<string, unknown>;
}

function at(document: Record<string, unknown>, path: string): unknown {
  let node: unknown = document;
  for (const segment of path.split('.'))
    node = (node as Record<string, unknown> | undefined)?.[segment];
  return node;
}

describe('ECS mapping rules', () => {
  it('makes entry spans transactions: no parent, a remote parent, SERVER or CONSUMER', () => {
    const parent = 'aaaaaaaaaaaaaaaa';
    const cases: [Partial<Span>, string][] = [
      [{}, 'transaction'],
      [{ parentSpanId: parent, parentIsRemote: true, kind: 3 }, 'transaction'],
      [{ parentSpanId: parent, kind: 2 }, 'transaction'],
      [{ parentSpanId: parent, kind: 5 }, 'transaction'],
      [{ parentSpanId: parent, kind: 3 }, 'span'],
      [{ parentSpanId: parent, parentIsRemote: false, kind: 1 }, 'span'],
    ];
    for (const [overrides, expected] of cases) {
      const [document] = encodeSpans(spansOf([span(overrides)]));
      const source = sourceOf(document?.source ?? '{}');
      assert.equal(at(source, 'processor.event'), expected, JSON.stringify(overrides));
      assert.equal(at(source, 'transaction.id') !== undefined, expected === 'transaction');
    }
  });

  it('maps status to event.outcome: UNSET is unknown, not a failure', () => {
    const outcomes = ([0, 1, 2] as const).map((code) =>
      at(
        sourceOf(encodeSpans(spansOf([span({ status: { code } })]))[0]?.source ?? '{}'),
        'event.outcome',
      ),
    );
    assert.deepEqual(outcomes, ['unknown', 'success', 'failure']);
  });

  it('routes to the namespace of the option, overridden by a valid data_stream.namespace resource attribute', () => {
    assert.equal(encodeSpans(spansOf([span()]))[0]?.dataStream, 'traces-elkhound-default');
    assert.equal(
      encodeSpans(spansOf([span()]), { namespace: 'staging' })[0]?.dataStream,
      'traces-elkhound-staging',
    );
    const overridden = encodeSpans(spansOf([span()], { 'data_stream.namespace': 'team_a' }), {
      namespace: 'staging',
    })[0];
    assert.equal(overridden?.dataStream, 'traces-elkhound-team_a');
    assert.equal(at(sourceOf(overridden?.source ?? '{}'), 'data_stream.namespace'), 'team_a');
    const invalid = encodeSpans(spansOf([span()], { 'data_stream.namespace': 'Team-A' }), {
      namespace: 'staging',
    })[0];
    assert.equal(invalid?.dataStream, 'traces-elkhound-staging');
  });

  it('keeps gen_ai.* and elkhound.* typed, other attributes as labels with dots replaced and long values cut', () => {
    const [document] = encodeSpans(
      spansOf([
        span({
          attributes: {
            'gen_ai.usage.input_tokens': 1240,
            'gen_ai.request.temperature': 0.25,
            'elkhound.cost.total': 0.0123,
            'elkhound.cost.unpriced': false,
            'elkhound.cost.unpriced_reason': 'unknown_model',
            'elkhound.usage.source': 'estimated',
            'elkhound.prompt.hash': `sha256:${'ab'.repeat(32)}`,
            'tenant.id': 'acme',
            'retry.count': 3,
            'feature.enabled': true,
            'long.value': 'x'.repeat(MAX_LABEL_LENGTH + 500),
          },
        }),
      ]),
    );
    const source = sourceOf(document?.source ?? '{}');
    assert.equal(at(source, 'gen_ai.usage.input_tokens'), 1240);
    assert.equal(at(source, 'gen_ai.request.temperature'), 0.25);
    assert.equal(at(source, 'elkhound.cost.total'), 0.0123);
    assert.equal(at(source, 'elkhound.cost.unpriced'), false);
    assert.equal(at(source, 'elkhound.cost.unpriced_reason'), 'unknown_model');
    assert.equal(at(source, 'elkhound.usage.source'), 'estimated');
    assert.equal(at(source, 'elkhound.prompt.hash'), `sha256:${'ab'.repeat(32)}`);
    assert.equal(at(source, 'labels.tenant_id'), 'acme');
    assert.equal(at(source, 'labels.feature_enabled'), true);
    assert.equal(at(source, 'numeric_labels.retry_count'), 3);
    assert.equal((at(source, 'labels.long_value') as string).length, MAX_LABEL_LENGTH);
    assert.equal(at(source, 'labels.otel_scope_name'), 'scope');
    // 1,000,000,002 ns: µs rounded down, and no `event.duration` beside it.
    assert.equal(at(source, 'span.duration.us'), 1_000_000);
    assert.equal(at(source, 'event.duration'), undefined);
    assert.equal(at(source, '@timestamp'), '2025-11-22T10:00:00.000000005Z');
  });

  it('maps attributes named like Object.prototype members (constructor, toString) as labels', () => {
    // Found by the OTLP corpus through the sidecar: the field tables were read with `table[key]`,
    // so `constructor` found Object's constructor and the whole request failed.
    const attributes = { constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 1 };
    for (const plans of [true, false]) {
      const [document] = encodeSpans(
        spansOf([span({ attributes })], { constructor: 'r', toString: 'rt' }),
        { plans },
      );
      const source = sourceOf(document?.source ?? '{}');
      assert.deepEqual(at(source, 'labels'), {
        otel_scope_name: 'scope',
        constructor: 'c',
        toString: 't',
        hasOwnProperty: 'h',
      });
      assert.deepEqual(at(source, 'numeric_labels'), { valueOf: 1 });
      assert.equal(at(source, 'service.name'), 'checkout');
    }
  });

  it('keeps __proto__ in an ECS field path, a flattened content map and a map label as data, polluting no prototype', () => {
    // `gen_ai.__proto__.x` was set through `node['__proto__']`, which is Object.prototype: the
    // value was written into every object of the process.
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const attributes = JSON.parse(
      '{"gen_ai.__proto__.polluted":"x","gen_ai.input.messages":{"__proto__":"m"},"map":{"__proto__":"v"}}',
    ) as Span['attributes'];
    for (const plans of [true, false]) {
      const [document] = encodeSpans(spansOf([span({ attributes })]), { plans });
      const source = sourceOf(document?.source ?? '{}');
      const genAi = source.gen_ai as Record<string, Record<string, unknown>>;
      assert.ok(Object.hasOwn(genAi, '__proto__'));
      assert.deepEqual(Object.entries(genAi['__proto__'] ?? {}), [['polluted', 'x']]);
      const messages = (genAi.input as Record<string, unknown>).messages as object;
      assert.deepEqual(Object.entries(messages), [['__proto__', 'm']]);
      assert.equal(at(source, 'labels.map'), '{"__proto__":"v"}');
    }
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('turns exception events into linked error documents, handled unless the exception escaped', () => {
    const documents = encodeSpans(
      spansOf([
        span({
          events: [
            {
              name: 'exception',
              time: [1763805600, 9],
              attributes: {
                'exception.type': 'RateLimitError',
                'exception.message': '429',
                'exception.stacktrace': 'at x',
                'exception.escaped': true,
              },
            },
            { name: 'exception', time: [1763805600, 10], attributes: { 'exception.type': 'E' } },
            { name: 'retry', time: [1763805600, 11], attributes: {} },
          ],
        }),
      ]),
    );
    assert.equal(documents.length, 4);
    const [first, second, third] = documents.slice(1).map((document) => sourceOf(document.source));
    assert.equal(documents[1]?.dataStream, 'logs-elkhound-default');
    assert.equal(at(first ?? {}, 'error.handled'), false);
    assert.equal(at(first ?? {}, 'error.type'), 'RateLimitError');
    assert.equal(at(first ?? {}, 'error.stack_trace'), 'at x');
    assert.equal(at(first ?? {}, 'trace.id'), TRACE);
    assert.equal(at(first ?? {}, 'span.id'), 'eee19b7ec3c1b174');
    assert.equal(at(second ?? {}, 'error.handled'), undefined);
    assert.equal(at(third ?? {}, 'processor.event'), 'log');
    assert.equal(new Set(documents.map((document) => document.id)).size, 4);
  });

  it('writes transaction.id from elkhound.transaction.id on non-entry spans, their events and log records', () => {
    const root = 'aaaaaaaaaaaaaaaa';
    const stamped = { 'elkhound.transaction.id': root, 'db.system': 'postgresql' };
    const event = { time: [1763805600, 9] as [number, number], name: 'retry', attributes: {} };
    // Enough spans of one shape for the planned path to be taken too.
    const children = [1, 2, 3, 4, 5].map(() =>
      span({ parentSpanId: root, kind: 3, attributes: { ...stamped }, events: [event] }),
    );
    for (const document of encodeSpans(spansOf(children)).map((d) => sourceOf(d.source))) {
      assert.equal(at(document, 'transaction.id'), root);
      assert.equal(at(document, 'elkhound.transaction'), undefined, 'not kept as a field');
    }
    // An entry span is its own transaction, whatever the attribute says: one `transaction` member.
    const [entry] = encodeSpans(spansOf([span({ kind: 2, attributes: { ...stamped } })]));
    assert.equal(at(sourceOf(entry?.source ?? '{}'), 'transaction.id'), 'eee19b7ec3c1b174');
    assert.equal((entry?.source.match(/"transaction":/g) ?? []).length, 1);
    const [log] = encodeLogs([
      {
        resource: { attributes: {} },
        scopeLogs: [
          {
            scope: { name: 'app' },
            logRecords: [
              { spanId: 'bbbbbbbbbbbbbbbb', body: 'in a child', attributes: { ...stamped } },
            ],
          },
        ],
      },
    ]);
    assert.equal(at(sourceOf(log?.source ?? '{}'), 'transaction.id'), root);
    assert.equal(at(sourceOf(log?.source ?? '{}'), 'labels'), undefined);
  });

  it("maps an exception log record (the conventions' exception event as a log) to an ECS error document", () => {
    const [document] = encodeLogs([
      {
        resource: { attributes: {} },
        scopeLogs: [
          {
            scope: { name: '@elkhound/instrumentation-genai' },
            logRecords: [
              {
                traceId: TRACE,
                spanId: 'bbbbbbbbbbbbbbbb',
                eventName: 'exception',
                severityNumber: 17,
                severityText: 'ERROR',
                attributes: {
                  'exception.type': 'RateLimitError',
                  'exception.message': '429 Rate limit reached',
                  'exception.stacktrace': 'RateLimitError: 429\n    at call (app.js:1:1)',
                  'exception.escaped': true,
                  'gen_ai.operation.name': 'chat',
                },
              },
            ],
          },
        ],
      },
    ]);
    const source = sourceOf(document?.source ?? '{}');
    assert.equal(at(source, 'processor.event'), 'error');
    assert.equal(at(source, 'event.action'), 'exception');
    assert.equal(at(source, 'error.type'), 'RateLimitError');
    assert.equal(at(source, 'error.message'), '429 Rate limit reached');
    assert.match(String(at(source, 'error.stack_trace')), /at call/);
    assert.equal(at(source, 'error.handled'), false);
    assert.equal(at(source, 'message'), '429 Rate limit reached');
    assert.equal(at(source, 'log.level'), 'error');
    assert.equal(at(source, 'labels.exception_escaped'), undefined);
  });

  it('gives log records ids that follow their content', () => {
    const record = (body: string): LogRecord => ({
      time: [1763805600, 1],
      observedTime: [1763805600, 2],
      severityNumber: 13,
      body,
      attributes: {},
    });
    const logs = (records: LogRecord[]) =>
      encodeLogs([
        {
          resource: { attributes: {} },
          scopeLogs: [{ scope: { name: 'app' }, logRecords: records }],
        },
      ]);
    const [a, b, again] = logs([record('one'), record('two'), record('one')]);
    assert.equal(a?.id, again?.id);
    assert.notEqual(a?.id, b?.id);
    assert.equal(at(sourceOf(a?.source ?? '{}'), 'log.level'), 'warn');
    assert.equal(at(sourceOf(a?.source ?? '{}'), 'service.name'), 'unknown_service');
  });

  it('writes one metric document per data point, with histogram values ascending and ids by time', () => {
    const request = (time: number): ResourceMetrics[] => [
      {
        resource: { attributes: { 'service.name': 'checkout' } },
        scopeMetrics: [
          {
            scope: { name: 'meter' },
            metrics: [
              {
                name: 'latency',
                unit: 's',
                data: {
                  type: 'exponentialHistogram',
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: {},
                      time: [time, 0],
                      count: 6,
                      scale: 0,
                      zeroCount: 1,
                      positive: { offset: 0, bucketCounts: [1, 2] },
                      negative: { offset: 1, bucketCounts: [1, 1] },
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ];
    const [document] = encodeMetrics(request(1763805600));
    assert.equal(document?.dataStream, 'metrics-elkhound-default');
    // base 2: negative buckets (−8, −4] and (−4, −2], zero, positive (1, 2] and (2, 4].
    assert.deepEqual(at(sourceOf(document?.source ?? '{}'), 'histogram'), {
      values: [-6, -3, 0, 1.5, 3],
      counts: [1, 1, 1, 1, 2],
    });
    assert.equal(encodeMetrics(request(1763805600))[0]?.id, document?.id);
    assert.notEqual(encodeMetrics(request(1763805660))[0]?.id, document?.id);
    assert.equal(encoderFor('metrics').encode(request(1763805600))[0]?.id, document?.id);
  });
});
