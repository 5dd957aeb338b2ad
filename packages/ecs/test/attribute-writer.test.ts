import assert from 'node:assert/strict';
import type { AnyValue, Attributes, ResourceSpans, Span } from '@elkhound/otlp';
import { encodeSpans } from '../src';
import { loadGoldenCases } from './golden-cases';

// A shape's first spans take the generic path (nested objects, then JSON.stringify); later ones
// are written from the shape's plan. Both must give the same bytes: `plans: false` is the
// reference.
const GENERIC_RUNS = 2;

function sources(input: ResourceSpans[], plans: boolean): string[] {
  return encodeSpans(input, { plans }).map((document) => document.source);
}

function assertSameAcrossRuns(input: ResourceSpans[], label: string): void {
  const reference = sources(input, false);
  for (let run = 1; run <= 4; run++) {
    assert.deepEqual(sources(input, true), reference, `${label}: planned run ${run}`);
  }
}

let sequence = 0;
function spanWith(attributes: Attributes, status: Span['status'] = { code: 0 }): Span {
  sequence++;
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: sequence.toString(16).padStart(16, '0'),
    parentSpanId: 'aaaaaaaaaaaaaaaa',
    name: 'work',
    kind: 3,
    startTime: [1763805600, 5],
    endTime: [1763805601, 7],
    attributes,
    events: [],
    links: [],
    status,
  };
}

function requestOf(
  spans: Span[],
  resource: Attributes = { 'service.name': 'checkout' },
  scope = { name: 'scope-under-test', version: '1.0.0' },
): ResourceSpans[] {
  return [{ resource: { attributes: resource }, scopeSpans: [{ scope, spans }] }];
}

describe('planned span attributes: the same bytes as the generic path', () => {
  it('for every golden trace case, encoded again and again', () => {
    for (const goldenCase of loadGoldenCases()) {
      if (goldenCase.input.signal !== 'traces') continue;
      assertSameAcrossRuns(goldenCase.input.resourceSpans, goldenCase.name);
    }
  });

  it('for labels, numeric labels, content, bytes, arrays, absent values and overridden labels', () => {
    const shapes: Attributes[] = [
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'app.tenant': 'acme',
        'app.retries': 2,
        'app.cached': true,
        'app.missing': undefined,
        'app.long': 'x'.repeat(2000),
        'gen_ai.bytes': new Uint8Array([1, 2, 3]) as unknown as AnyValue,
        'http.method': 'GET',
        'server.address': 'api.example.com',
      },
      // A span label with the name of a resource label and one with the scope's label name.
      { 'deployment.region': 'eu-west-1', otel_scope_name: 'mine', 'app.ratio': Number.NaN },
      // The same names with values of other kinds: another shape.
      { 'deployment.region': 7, otel_scope_name: true, 'app.ratio': 'high' },
      // A scalar and a path through it: the generic path replaces the scalar.
      { 'gen_ai.request': 'scalar', 'gen_ai.request.model': 'gpt-4o' },
      { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.request': 'scalar-after' },
      // Arrays as labels and maps as values: left to the generic path, still the same bytes.
      { 'app.tags': ['a', 'b'], 'app.numbers': [1, 2], 'gen_ai.map': { a: 1 } },
      { 'app.bytes': new Uint8Array([1, 2, 3]) as unknown as AnyValue },
      { 'gen_ai.map': { a: 1 }, 'gen_ai.map.b': 2 },
      {},
      { 'unicode.label': 'naïve — 日本語 \u2028 "quoted" \\ \u0000' },
    ];
    const resource: Attributes = {
      'service.name': 'checkout',
      'deployment.region': 'us-east-1',
      'process.command': '/app/server.js',
      'app.build': 42,
    };
    for (const [index, attributes] of shapes.entries()) {
      const spans = [1, 2, 3, 4].map(() => spanWith({ ...attributes }));
      assertSameAcrossRuns(requestOf(spans), `shape ${index} without resource labels`);
      assertSameAcrossRuns(requestOf(spans, resource), `shape ${index} with resource labels`);
      assertSameAcrossRuns(
        requestOf(spans, resource, { name: '', version: '' }),
        `shape ${index} without a scope`,
      );
    }
  });

  it('folds steady values into the text, and unfolds a value that changes after many spans', () => {
    const spans = Array.from({ length: 40 }, (_, index) =>
      spanWith({
        'gen_ai.request.model': index < 25 ? 'gpt-4o-mini' : 'gpt-4.1',
        'gen_ai.usage.input_tokens': index,
        'app.tenant': index % 10 === 9 ? 'other' : 'acme',
        'app.score': index < 30 ? 0.5 : Number.NaN,
        'gen_ai.response.finish_reasons': ['stop'],
        // Two steady values that change in the same span.
        'app.first': index < 20 ? 'a' : 'b',
        'app.second': index < 20 ? 1 : 2,
      }),
    );
    assertSameAcrossRuns(requestOf(spans), 'values changing after folding');
  });

  it('stays right past its bounds: thousands of distinct shapes and resources, then a usual one', () => {
    for (let batch = 0; batch < 40; batch++) {
      const spans = Array.from({ length: 300 }, (_, index) =>
        spanWith({ [`app.field_${batch}_${index}`]: index, 'gen_ai.request.model': 'm' }),
      );
      const input = requestOf(spans, { 'service.name': 'svc', 'app.pod': `pod-${batch}` });
      assert.deepEqual(sources(input, true), sources(input, false), `batch ${batch}`);
    }
    const usual = Array.from({ length: 12 }, (_, index) =>
      spanWith({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': index }),
    );
    assertSameAcrossRuns(requestOf(usual), 'a usual shape after the overflow');
  });

  it('leaves an error span with a status message to the generic path, with the same result', () => {
    const spans = [1, 2, 3, 4].map(() =>
      spanWith(
        { 'error.type': 'timeout', 'exception.message': 'late' },
        { code: 2, message: 'boom' },
      ),
    );
    const [first] = sources(requestOf(spans), true);
    const source = JSON.parse(first ?? '{}') as { error?: { message?: string; type?: string } };
    assert.equal(source.error?.type, 'timeout');
    assertSameAcrossRuns(requestOf(spans), 'error span');
  });

  it("for the APM UI's fields: spans calling services in turn, entry spans, sampled tracestates", () => {
    const calls: Attributes[] = [
      { 'gen_ai.provider.name': 'openai', 'server.address': 'api.openai.com', 'server.port': 443 },
      { 'gen_ai.provider.name': 'anthropic', 'server.address': 'api.anthropic.com' },
      { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.operation.name': 'SELECT' },
      { 'http.request.method': 'GET', 'url.full': 'https://inventory.internal/items' },
      { 'http.request.method': 'GET', 'http.response.status_code': 404, 'server.address': 'a.b' },
      { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' },
      { 'rpc.system': 'grpc', 'rpc.service': 'Cart', 'server.address': 'cart' },
      {},
    ];
    const spans = Array.from({ length: 64 }, (_, index) => {
      const span = spanWith(
        { ...(calls[index % calls.length] as Attributes), 'app.index': index },
        { code: index % 3 === 0 ? 0 : index % 3 === 1 ? 1 : 2 },
      );
      if (index % 4 === 0) span.traceState = index % 8 === 0 ? 'ot=th:8' : 'ot=p:2';
      // Every fifth span an entry span (a server, a consumer, a root).
      if (index % 5 === 0) span.kind = 2;
      if (index % 5 === 1) span.kind = 1;
      if (index % 10 === 2) delete span.parentSpanId;
      return span;
    });
    assertSameAcrossRuns(requestOf(spans), 'APM fields');
    const sources = encodeSpans(requestOf(spans)).map(
      (document) => JSON.parse(document.source) as Record<string, unknown>,
    );
    assert.ok(sources.some((source) => 'service.target' in source));
    assert.ok(sources.some((source) => (source.transaction as { sampled?: boolean })?.sampled));
  });

  it('is used once a shape has been seen a few times', () => {
    // Not a timing test: a planned document differs in nothing but how it was made, so this
    // checks the plan is reached by writing through a shape many times with changing values.
    const spans = Array.from({ length: GENERIC_RUNS + 10 }, (_, index) =>
      spanWith({ 'gen_ai.usage.input_tokens': index, 'app.tenant': `t${index}` }),
    );
    const documents = encodeSpans(requestOf(spans)).map(
      (document) =>
        JSON.parse(document.source) as {
          gen_ai: { usage: { input_tokens: number } };
          labels: Record<string, unknown>;
        },
    );
    documents.forEach((document, index) => {
      assert.equal(document.gen_ai.usage.input_tokens, index);
      assert.equal(document.labels.app_tenant, `t${index}`);
      assert.equal(document.labels.otel_scope_name, 'scope-under-test');
    });
  });
});
