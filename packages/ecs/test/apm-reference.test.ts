import assert from 'node:assert/strict';
import { APM_REFERENCE, type JsonKind, type ReferenceField } from './apm-reference';
import { loadGoldenCases, readExpected, type GoldenDocument } from './golden-cases';

// Elkhound's golden span, transaction and error documents, field by field against the APM
// Server's documented documents (apm-reference.ts): the same names, JSON kinds and units. A
// field the reference lists must be in Elkhound's document unless it is one of the conditional
// ones below, and each of those must be in at least one golden document of its kind.
const CONDITIONAL: Record<string, string> = {
  'transaction.result': 'an HTTP status, or a status OK / ERROR',
  'transaction.id': 'a non-entry span: where the app stamps elkhound.transaction.id',
  'transaction.sampled': 'an error: where its span is linked to a transaction',
  'span.subtype': 'what the span calls tells it (INTERNAL spans: internal; unknown spans: none)',
  'span.destination.service.resource': 'a span that calls a service',
  'service.target.type': 'a span that calls a service',
  'service.target.name': 'a span that calls a named service',
  'span.representative_count': 'a tracestate that says how the span was sampled',
  'error.stack_trace': 'an exception with exception.stacktrace',
  'parent.id': 'a span with a parent (a root transaction has none)',
  'error.grouping_name': 'an exception with a message',
};

/** Leaf paths of a source, dotted keys split as Elasticsearch maps them; arrays are leaves. */
function flatten(
  value: unknown,
  prefix = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value))
      flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else out.set(prefix, value);
  return out;
}

function kindOf(value: unknown): JsonKind | 'other' {
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' ? type : 'other';
}

/** µs since the epoch of an RFC 3339 timestamp with up to nine fraction digits. */
function epochMicros(timestamp: string): number {
  const match = /^(.{19})(?:\.(\d+))?Z$/.exec(timestamp);
  assert.ok(match, timestamp);
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${match[1]}Z`) * 1000 + Number(fraction);
}

/**
 * The spans' durations in µs (end − start, rounded down as the APM pipeline does), from the
 * golden cases' inputs, keyed as the documents' labels: the case and the trace and span ids.
 */
function inputDurations(): Map<string, number> {
  const durations = new Map<string, number>();
  for (const goldenCase of loadGoldenCases()) {
    if (goldenCase.input.signal !== 'traces') continue;
    for (const group of goldenCase.input.resourceSpans)
      for (const scope of group.scopeSpans)
        for (const span of scope.spans) {
          const nanos =
            (BigInt(span.endTime[0]) - BigInt(span.startTime[0])) * 1_000_000_000n +
            BigInt(span.endTime[1] - span.startTime[1]);
          durations.set(`${goldenCase.name} ${span.traceId}${span.spanId}`, Number(nanos / 1000n));
        }
  }
  return durations;
}
const DURATIONS = inputDurations();

function checkField(field: ReferenceField, fields: Map<string, unknown>, label: string): void {
  const value = fields.get(field.path);
  assert.equal(kindOf(value), field.kind, `${label}: ${field.path} is a ${field.kind}`);
  assert.equal(kindOf(field.example), field.kind, `reference ${field.path}`);
  switch (field.unit) {
    case 'epoch-µs':
      assert.equal(
        value,
        epochMicros(fields.get('@timestamp') as string),
        `${label}: ${field.path}`,
      );
      break;
    case 'duration-µs':
      assert.equal(value, DURATIONS.get(label), `${label}: ${field.path}`);
      break;
    case 'md5-hex':
      assert.match(field.example as string, /^[0-9a-f]{32}$/);
      assert.match(value as string, /^[0-9a-f]{32}$/, `${label}: ${field.path}`);
      break;
    default:
  }
  if (field.values instanceof RegExp)
    assert.match(value as string, field.values, `${label}: ${field.path}`);
  else if (field.values !== undefined)
    assert.ok(field.values.includes(value as string), `${label}: ${field.path} = ${String(value)}`);
  if (field.kind === 'array') {
    // Each element as the reference's: the same member names, each of the same kind.
    const example = (field.example as Record<string, unknown>[])[0] as Record<string, unknown>;
    for (const element of value as Record<string, unknown>[]) {
      for (const [key, member] of Object.entries(element)) {
        assert.ok(
          key in example,
          `${label}: ${field.path}[].${key} is not in the APM Server's document`,
        );
        assert.equal(kindOf(member), kindOf(example[key]), `${label}: ${field.path}[].${key}`);
      }
    }
  }
}

describe("Elkhound's documents against the APM Server's documented ones", () => {
  const documents: GoldenDocument[] = loadGoldenCases().flatMap((goldenCase) =>
    readExpected(goldenCase).map((document) => ({
      ...document,
      _id: `${goldenCase.name} ${document._id}`,
    })),
  );

  for (const reference of APM_REFERENCE) {
    it(`${reference.event} documents: names, kinds and units of ${reference.source.split(';')[0]}`, () => {
      const own = documents.filter(
        (document) => (document.source.processor as { event: string }).event === reference.event,
      );
      assert.ok(own.length >= 2, `golden ${reference.event} documents: ${own.length}`);
      const seen = new Set<string>();
      for (const document of own) {
        const fields = flatten(document.source);
        for (const field of reference.fields) {
          if (!fields.has(field.path)) {
            assert.ok(field.path in CONDITIONAL, `${document._id}: no ${field.path}`);
            continue;
          }
          seen.add(field.path);
          checkField(field, fields, document._id);
        }
      }
      // Each conditional field is shown by at least one golden document of the kind.
      assert.deepEqual(
        reference.fields.map((field) => field.path).filter((path) => !seen.has(path)),
        [],
      );
    });
  }

  it('writes no APM-named field the reference does not know, and keeps the ECS ones it has', () => {
    const known = new Set(
      APM_REFERENCE.flatMap((reference) => reference.fields.map((field) => field.path)),
    );
    // The APM UI's own field groups: every leaf Elkhound writes under them must be documented.
    const apmGroups = [
      'timestamp.',
      'span.destination.',
      'service.target.',
      'transaction.duration.',
      'span.duration.',
    ];
    for (const document of documents) {
      for (const path of flatten(document.source).keys()) {
        if (apmGroups.some((group) => path.startsWith(group)))
          assert.ok(
            known.has(path),
            `${document._id}: ${path} is not in the APM Server's documents`,
          );
      }
    }
  });
});
