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

export const APM_REFERENCE: readonly ReferenceDocument[] = [
  {
    event: 'transaction',
    source: `${APPROVALS}/TestOTLPGRPCTraces.approved.json; elastic/apm-data input/jaeger/test_approved/transaction_jaeger_type_request_result.approved.json`,
    fields: [
      { path: 'processor.event', kind: 'string', unit: 'none', example: 'transaction' },
      {
        path: 'trace.id',
        kind: 'string',
        unit: 'none',
        example: 'd2acbef8b37655e48548fd9d61ad6114',
      },
      { path: 'transaction.id', kind: 'string', unit: 'none', example: 'b3ee9be3b687a611' },
      { path: 'transaction.name', kind: 'string', unit: 'none', example: 'operation_name' },
      { path: 'transaction.type', kind: 'string', unit: 'none', example: 'unknown' },
      { path: 'transaction.duration.us', kind: 'number', unit: 'duration-µs', example: 1000000 },
      { path: 'transaction.sampled', kind: 'boolean', unit: 'none', example: true },
      {
        path: 'transaction.result',
        kind: 'string',
        unit: 'none',
        example: 'HTTP 2xx',
        values: /^(HTTP [1-5]xx|HTTP \d+|Success|Error)$/,
      },
      { path: 'timestamp.us', kind: 'number', unit: 'epoch-µs', example: 123000000 },
      {
        path: 'event.outcome',
        kind: 'string',
        unit: 'none',
        example: 'unknown',
        values: ['success', 'failure', 'unknown'],
      },
    ],
  },
  {
    event: 'span',
    source: `${APPROVALS}/TestIntake/Spans.approved.json; elastic/apm-data input/jaeger/test_approved/span_jaeger_http.approved.json`,
    fields: [
      { path: 'processor.event', kind: 'string', unit: 'none', example: 'span' },
      {
        path: 'trace.id',
        kind: 'string',
        unit: 'none',
        example: 'abcdef0123456789abcdef9876543210',
      },
      { path: 'span.id', kind: 'string', unit: 'none', example: '1234567890aaaade' },
      { path: 'span.name', kind: 'string', unit: 'none', example: 'SELECT FROM product_types' },
      { path: 'parent.id', kind: 'string', unit: 'none', example: 'abcdef0123456789' },
      { path: 'transaction.id', kind: 'string', unit: 'none', example: 'ab23456a89012345' },
      { path: 'span.type', kind: 'string', unit: 'none', example: 'db', values: SPAN_TYPES },
      { path: 'span.subtype', kind: 'string', unit: 'none', example: 'postgresql' },
      { path: 'span.duration.us', kind: 'number', unit: 'duration-µs', example: 3781 },
      {
        path: 'span.destination.service.resource',
        kind: 'string',
        unit: 'none',
        example: 'postgres/testdb',
      },
      { path: 'service.target.type', kind: 'string', unit: 'none', example: 'postgres' },
      { path: 'service.target.name', kind: 'string', unit: 'none', example: 'testdb' },
      { path: 'span.representative_count', kind: 'number', unit: 'none', example: 1 },
      { path: 'timestamp.us', kind: 'number', unit: 'epoch-µs', example: 1532976822281000 },
      {
        path: 'event.outcome',
        kind: 'string',
        unit: 'none',
        example: 'success',
        values: ['success', 'failure', 'unknown'],
      },
    ],
  },
  {
    event: 'error',
    source: `${APPROVALS}/TestOTLPGRPCTraces.approved.json (the exception event of an OTLP span)`,
    fields: [
      { path: 'processor.event', kind: 'string', unit: 'none', example: 'error' },
      {
        path: 'trace.id',
        kind: 'string',
        unit: 'none',
        example: 'd2acbef8b37655e48548fd9d61ad6114',
      },
      { path: 'parent.id', kind: 'string', unit: 'none', example: 'b3ee9be3b687a611' },
      { path: 'transaction.id', kind: 'string', unit: 'none', example: 'b3ee9be3b687a611' },
      { path: 'transaction.sampled', kind: 'boolean', unit: 'none', example: true },
      { path: 'error.id', kind: 'string', unit: 'none', example: 'dynamic' },
      {
        path: 'error.grouping_key',
        kind: 'string',
        unit: 'md5-hex',
        example: '14f4d08792a45fce53a46c93851e36e1',
      },
      { path: 'error.grouping_name', kind: 'string', unit: 'none', example: 'kablamo' },
      {
        path: 'error.exception',
        kind: 'array',
        unit: 'none',
        example: [{ handled: true, message: 'kablamo', type: '*errors.errorString' }],
      },
      {
        path: 'error.stack_trace',
        kind: 'string',
        unit: 'none',
        example: 'not an actual real stack trace',
      },
      { path: 'message', kind: 'string', unit: 'none', example: 'kablamo' },
      { path: 'timestamp.us', kind: 'number', unit: 'epoch-µs', example: 123002000 },
    ],
  },
];
