import {
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import assert from 'node:assert/strict';
import {
  ATTR_ELKHOUND_TRANSACTION_ID,
  TransactionLogRecordProcessor,
  TransactionSpanProcessor,
} from '../src';
import { diagnostics } from './support/telemetry';

const ATTR = ATTR_ELKHOUND_TRANSACTION_ID;

describe('transaction id processors', () => {
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  // The stamping processors first: the exporting ones must see the attribute.
  const tracerProvider = new TracerProvider({
    spanProcessors: [new TransactionSpanProcessor(), new SimpleSpanProcessor({ exporter: spans })],
  });
  const loggerProvider = new LoggerProvider({
    processors: [
      new TransactionLogRecordProcessor(),
      new SimpleLogRecordProcessor({ exporter: logs }),
    ],
  });
  const tracer = tracerProvider.getTracer('transaction-test');
  const logger = loggerProvider.getLogger('transaction-test');

  afterEach(() => {
    spans.reset();
    logs.reset();
  });
  after(async () => {
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
  });

  /** Starts a span under `parent` (a span, a context or nothing) and returns it with its context. */
  function start(name: string, parent?: Span | Context, kind?: SpanKind): [Span, Context] {
    const parentContext =
      parent === undefined
        ? ROOT_CONTEXT
        : 'spanContext' in parent
          ? trace.setSpan(ROOT_CONTEXT, parent)
          : parent;
    const span = tracer.startSpan(name, { kind }, parentContext);
    return [span, trace.setSpan(parentContext, span)];
  }

  function finished(name: string): ReadableSpan {
    const span = spans.getFinishedSpans().find((candidate) => candidate.name === name);
    assert.ok(span, `span ${name} exported`);
    return span;
  }

  it('a root span carries nothing; its child and grandchild carry the root span id', () => {
    const [root] = start('root');
    const [child] = start('child', root);
    const [grandchild] = start('grandchild', child);
    for (const span of [grandchild, child, root]) span.end();
    const rootId = root.spanContext().spanId;
    assert.match(rootId, /^[0-9a-f]{16}$/);
    assert.equal(finished('root').attributes[ATTR], undefined);
    assert.equal(finished('child').attributes[ATTR], rootId);
    assert.equal(finished('grandchild').attributes[ATTR], rootId);
  });

  it('a SERVER or CONSUMER span under a local parent is an entry span: its children get its id', () => {
    const [root] = start('root');
    const [server] = start('server', root, SpanKind.SERVER);
    const [inner] = start('inner', server);
    const [consumer] = start('consumer', inner, SpanKind.CONSUMER);
    const [handler] = start('handler', consumer);
    for (const span of [handler, consumer, inner, server, root]) span.end();
    assert.equal(finished('server').attributes[ATTR], undefined);
    assert.equal(finished('inner').attributes[ATTR], server.spanContext().spanId);
    assert.equal(finished('consumer').attributes[ATTR], undefined);
    assert.equal(finished('handler').attributes[ATTR], consumer.spanContext().spanId);
  });

  it('a span under a remote parent is an entry span, whatever its kind', () => {
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const [entry] = start('entry', remote, SpanKind.INTERNAL);
    const [child] = start('child', entry, SpanKind.CLIENT);
    child.end();
    entry.end();
    assert.equal(finished('entry').attributes[ATTR], undefined);
    assert.equal(finished('entry').parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.equal(finished('child').attributes[ATTR], entry.spanContext().spanId);
  });

  it('a span whose parent was started elsewhere falls back to the parent span id', () => {
    // A parent the processor never saw (another provider): its id is the best root known.
    const [foreign] = start('foreign-parent');
    const other = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    });
    const unseen = other
      .getTracer('other')
      .startSpan('unseen', {}, trace.setSpan(ROOT_CONTEXT, foreign));
    const [child] = start('child', unseen);
    child.end();
    unseen.end();
    foreign.end();
    // `unseen` carries no attribute (its provider has no stamping processor): its own id.
    assert.equal(finished('child').attributes[ATTR], unseen.spanContext().spanId);
  });

  it('a log written inside a grandchild carries the root span id, the entry span its own id', () => {
    const [root, rootContext] = start('root');
    const [child] = start('child', root);
    const [, grandchildContext] = start('grandchild', child);
    logger.emit({ body: 'inside the grandchild', context: grandchildContext });
    logger.emit({ body: 'inside the root', context: rootContext });
    const records = logs.getFinishedLogRecords();
    assert.equal(records.length, 2);
    const rootId = root.spanContext().spanId;
    assert.equal(records[0]?.attributes[ATTR], rootId);
    assert.equal(
      records[0]?.spanContext?.spanId,
      trace.getSpan(grandchildContext)?.spanContext().spanId,
    );
    assert.equal(records[1]?.attributes[ATTR], rootId);
  });

  it('a log outside any span, or under a remote span only, carries nothing', () => {
    logger.emit({ body: 'no span', context: ROOT_CONTEXT });
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    logger.emit({ body: 'remote parent only', context: remote });
    const records = logs.getFinishedLogRecords();
    assert.equal(records.length, 2);
    for (const record of records) assert.equal(record.attributes[ATTR], undefined);
  });

  it('never throws: a failure is reported through diag', () => {
    const before = diagnostics.errors.length;
    const [root, rootContext] = start('root');
    const broken = {
      setAttribute() {
        throw new Error('read only');
      },
    };
    assert.doesNotThrow(() => new TransactionLogRecordProcessor().onEmit(broken, rootContext));
    root.end();
    const reported = diagnostics.errors.slice(before);
    assert.equal(reported.length, 1);
    assert.match(reported[0] as string, /transaction id.*read only/);
  });
});
