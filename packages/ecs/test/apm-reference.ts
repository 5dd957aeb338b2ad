// The APM Server's documented documents, as the reference Elkhound's APM fields are checked
// against: each field's name, JSON kind, unit and the example value the documents show. Read
// (not copied) from:
// - elastic/apm-server `systemtest/approvals/TestOTLPGRPCTraces.approved.json`: the documents
//   the APM Server writes for an OTLP transaction and its exception event;
// - elastic/apm-server `systemtest/approvals/TestIntake/Spans.approved.json`: span documents
//   (a database span with destination and target);
// - elastic/apm-data `input/jaeger/test_approved/span_jaeger_http.approved.json` (an HTTP client
//   span: `external` / `http`, resource and target name `host:port`) and
//   `transaction_jaeger_type_request_result.approved.json` (`transaction.result` `HTTP 2xx`);
// - elastic/apm-data `input/otlp/traces.go` (span types, results, representative count),
//   `model/modelprocessor/groupingkey.go` (MD5 grouping key), `model/modeljson/internal/error.go`
//   (`error.exception` as an array);
// - Elasticsearch's apm-data plugin `ingest-pipelines/traces-apm@pipeline.yaml` (`*.duration.us`
//   = `event.duration` / 1000, rounded down) and `component-templates/traces-apm@mappings.yaml`.

export type JsonKind = 'string' | 'number' | 'boolean' | 'array';

export type Unit =
  /** Microseconds since the epoch, the same instant as `@timestamp`. */
  | 'epoch-µs'
  /** Microseconds of the span's duration: end − start (ns) / 1000, rounded down. */
  | 'duration-µs'
  /** 32 lowercase hex digits (an MD5). */
  | 'md5-hex'
  | 'none';

export interface ReferenceField {
  readonly path: string;
  readonly kind: JsonKind;
  readonly unit: Unit;
  /** The value the APM Server's document shows. */
  readonly example: unknown;
  /** Values the APM Server writes here, when it writes a closed set (or a pattern). */
  readonly values?: readonly string[] | RegExp;
}

export interface ReferenceDocument {
  readonly event: 'transaction' | 'span' | 'error';
  readonly source: string;
  readonly fields: readonly ReferenceField[];
}

const APPROVALS = 'elastic/apm-server systemtest/approvals';
const SPAN_TYPES = ['db', 'messaging', 'external', 'genai', 'app', 'unknown'];
const OUTCOMES = ['success', 'failure', 'unknown'];

/** A string field without a unit, as most are. */
function text(path: string, example: string, values?: ReferenceField['values']): ReferenceField {
  const field: ReferenceField = { path, kind: 'string', unit: 'none', example };
  return values === undefined ? field : { ...field, values };
}

function number(path: string, unit: Unit, example: number): ReferenceField {
  return { path, kind: 'number', unit, example };
}

function flag(path: string, example: boolean): ReferenceField {
  return { path, kind: 'boolean', unit: 'none', example };
}

export const APM_REFERENCE: readonly ReferenceDocument[] = [
  {
    event: 'transaction',
    source: `${APPROVALS}/TestOTLPGRPCTraces.approved.json; elastic/apm-data input/jaeger/test_approved/transaction_jaeger_type_request_result.approved.json`,
    fields: [
      text('processor.event', 'transaction'),
      text('trace.id', 'd2acbef8b37655e48548fd9d61ad6114'),
      text('transaction.id', 'b3ee9be3b687a611'),
      text('transaction.name', 'operation_name'),
      text('transaction.type', 'unknown'),
      number('transaction.duration.us', 'duration-µs', 1000000),
      flag('transaction.sampled', true),
      text('transaction.result', 'HTTP 2xx', /^(HTTP [1-5]xx|HTTP \d+|Success|Error)$/),
      number('timestamp.us', 'epoch-µs', 123000000),
      text('event.outcome', 'unknown', OUTCOMES),
    ],
  },
  {
    event: 'span',
    source: `${APPROVALS}/TestIntake/Spans.approved.json; elastic/apm-data input/jaeger/test_approved/span_jaeger_http.approved.json`,
    fields: [
      text('processor.event', 'span'),
      text('trace.id', 'abcdef0123456789abcdef9876543210'),
      text('span.id', '1234567890aaaade'),
      text('span.name', 'SELECT FROM product_types'),
      text('parent.id', 'abcdef0123456789'),
      text('transaction.id', 'ab23456a89012345'),
      text('span.type', 'db', SPAN_TYPES),
      text('span.subtype', 'postgresql'),
      number('span.duration.us', 'duration-µs', 3781),
      text('span.destination.service.resource', 'postgres/testdb'),
      text('service.target.type', 'postgres'),
      text('service.target.name', 'testdb'),
      number('span.representative_count', 'none', 1),
      number('timestamp.us', 'epoch-µs', 1532976822281000),
      text('event.outcome', 'success', OUTCOMES),
    ],
  },
  {
    event: 'error',
    source: `${APPROVALS}/TestOTLPGRPCTraces.approved.json (the exception event of an OTLP span)`,
    fields: [
      text('processor.event', 'error'),
      text('trace.id', 'd2acbef8b37655e48548fd9d61ad6114'),
      text('parent.id', 'b3ee9be3b687a611'),
      text('transaction.id', 'b3ee9be3b687a611'),
      flag('transaction.sampled', true),
      text('error.id', 'dynamic'),
      {
        path: 'error.grouping_key',
        kind: 'string',
        unit: 'md5-hex',
        example: '14f4d08792a45fce53a46c93851e36e1',
      },
      text('error.grouping_name', 'kablamo'),
      {
        path: 'error.exception',
        kind: 'array',
        unit: 'none',
        example: [{ handled: true, message: 'kablamo', type: '*errors.errorString' }],
      },
      text('error.stack_trace', 'not an actual real stack trace'),
      text('message', 'kablamo'),
      number('timestamp.us', 'epoch-µs', 123002000),
    ],
  },
];
