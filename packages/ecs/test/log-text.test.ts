import assert from 'node:assert/strict';
import type { AnyValue, Attributes, LogRecord, ResourceLogs } from '@elkhound/otlp';
import { encodeLogs } from '../src';
import { loadGoldenCases } from './golden-cases';

// A log record's first documents of a shape take the generic path (nested objects, then
// JSON.stringify); later ones are written as text from the shape's plan (log-text.ts). Both
// must give the same bytes and ids: `plans: false` is the reference.
function documents(input: ResourceLogs[], plans: boolean): string[] {
  return encodeLogs(input, { plans, namespace: 'ns' }).map(
    (document) => `${document.id} ${document.dataStream} ${document.source}`,
  );
}

function assertSameAcrossRuns(input: ResourceLogs[], label: string): void {
  const reference = documents(input, false);
  for (let run = 1; run <= 4; run++)
    assert.deepEqual(documents(input, true), reference, `${label}: planned run ${run}`);
}

let sequence = 0;
function recordWith(attributes: Attributes, fields: Partial<LogRecord> = {}): LogRecord {
  sequence++;
  return {
    time: [1763805600, sequence],
    observedTime: [1763805600, sequence + 7],
    severityNumber: 9,
    severityText: 'INFO',
    body: `record ${sequence}`,
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: sequence.toString(16).padStart(16, '0'),
    attributes,
    ...fields,
  };
}

function requestOf(
  logRecords: LogRecord[],
  resource: Attributes = { 'service.name': 'checkout' },
  scope = { name: 'scope-under-test', version: '1.0.0' },
): ResourceLogs[] {
  return [{ resource: { attributes: resource }, scopeLogs: [{ scope, logRecords }] }];
}

describe('log records written from plans: the same bytes and ids as the generic path', () => {
  it('for every golden logs case, encoded again and again', () => {
    let cases = 0;
    for (const goldenCase of loadGoldenCases()) {
      if (goldenCase.input.signal !== 'logs') continue;
      cases++;
      assertSameAcrossRuns(goldenCase.input.resourceLogs, goldenCase.name);
    }
    assert.ok(cases > 0);
  });

  it('for every kind of record field, attribute, body, resource and scope', () => {
    const shapes: Attributes[] = [
      {
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 400,
        'elkhound.cost.total': 0.0012,
        'http.route': '/v1/answers',
        'code.function.name': 'answerTicket',
        'bench.id': '1.2',
      },
      { 'elkhound.transaction.id': 'abcdef0123456789', 'app.ratio': Number.NaN, 'app.ok': true },
      { 'exception.type': 'Timeout', 'exception.message': 'late', 'error.type': 'x' },
      { 'app.tags': ['a', 'b'], 'gen_ai.map': { a: 1 } as unknown as AnyValue },
      { 'gen_ai.input.messages': '[{"role":"user"}]', 'app.long': 'x'.repeat(2000) },
      { 'unicode.label': 'naïve — 日本語 \u2028 "quoted" \\ \u0000', 'log.file': 'a' },
      {},
    ];
    const variants: Partial<LogRecord>[] = [
      {},
      { severityText: undefined },
      { severityText: undefined, severityNumber: 17 },
      { severityText: 'Warn "x"', severityNumber: undefined },
      { severityNumber: undefined, severityText: undefined },
      { eventName: 'gen_ai.choice' },
      { eventName: 'exception' },
      { body: 42 },
      { body: true },
      { body: undefined },
      { body: { structured: ['a', 1] } as unknown as AnyValue },
      { traceId: undefined, spanId: undefined },
      { time: undefined },
      { time: [0, 0] },
      { observedTime: undefined },
      { time: [1763805600, 5], observedTime: [1763805600, 5] },
      { severityNumber: undefined, observedTime: undefined },
    ];
    const resources: Attributes[] = [
      { 'service.name': 'checkout' },
      { 'service.name': 'checkout', 'deployment.region': 'eu', 'app.build': 42 },
      { 'service.name': 'checkout', 'data_stream.namespace': 'other' },
    ];
    for (const [index, attributes] of shapes.entries())
      for (const [variant, fields] of variants.entries())
        for (const [resourceIndex, resource] of resources.entries()) {
          const records = [1, 2, 3, 4, 5].map(() => recordWith({ ...attributes }, fields));
          const label = `shape ${index}, variant ${variant}, resource ${resourceIndex}`;
          assertSameAcrossRuns(requestOf(records, resource), label);
          assertSameAcrossRuns(requestOf(records, resource, { name: '', version: '' }), label);
        }
  });

  it('is used once a shape has been seen a few times, with every value of every record', () => {
    const records = Array.from({ length: 12 }, (_, index) =>
      recordWith({ 'gen_ai.usage.input_tokens': index, 'app.tenant': `t${index}` }),
    );
    const parsed = encodeLogs(requestOf(records)).map(
      (document) =>
        JSON.parse(document.source) as {
          gen_ai: { usage: { input_tokens: number } };
          labels: Record<string, unknown>;
          message: string;
        },
    );
    parsed.forEach((document, index) => {
      assert.equal(document.gen_ai.usage.input_tokens, index);
      assert.equal(document.labels.app_tenant, `t${index}`);
      assert.equal(document.message, records[index]?.body);
    });
  });
});
