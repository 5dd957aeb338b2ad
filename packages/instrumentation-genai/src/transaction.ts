import {
  context as api,
  diag,
  SpanKind,
  trace,
  type AttributeValue,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { ATTR_ELKHOUND_TRANSACTION_ID } from './semconv';
import { StatelessProcessor } from './stateless-processor';

/**
 * What the processors read of an SDK span: `Span` of @opentelemetry/sdk-trace, described here so
 * this package needs no SDK at run time (the SDK's Span satisfies it).
 */
interface StartedSpan {
  readonly kind: SpanKind;
  readonly parentSpanContext?: SpanContext;
  readonly attributes?: Readonly<Record<string, AttributeValue | undefined>>;
  spanContext(): SpanContext;
  setAttribute(key: string, value: AttributeValue): unknown;
}

/** What the log processor writes on: `ReadWriteLogRecord` of @opentelemetry/sdk-logs. */
interface WritableLogRecord {
  setAttribute(key: string, value?: AttributeValue): unknown;
}

/** The entry-span rule of the ECS encoder (packages/ecs, isEntrySpan). */
function isEntry(span: StartedSpan): boolean {
  const parent = span.parentSpanContext;
  return (
    parent === undefined ||
    parent.isRemote === true ||
    span.kind === SpanKind.SERVER ||
    span.kind === SpanKind.CONSUMER
  );
}

/**
 * The entry span id of a span, derived from what it carries: a non-entry span was stamped with its
 * root when it started; an entry span (or one this processor never saw) is its own root.
 */
function rootOf(span: Span): string {
  const stamped = (span as Partial<StartedSpan>).attributes?.[ATTR_ELKHOUND_TRANSACTION_ID];
  return typeof stamped === 'string' ? stamped : span.spanContext().spanId;
}

/**
 * Stamps `elkhound.transaction.id` on every span that is not itself an entry span, with the id of
 * the local entry span above it. Register it before the exporting processors.
 */
export class TransactionSpanProcessor extends StatelessProcessor {
  onStart(span: StartedSpan, parentContext: Context): void {
    try {
      if (isEntry(span)) return;
      const parent = trace.getSpan(parentContext);
      // The SDK only sets parentSpanContext from the span of parentContext.
      const root = parent ? rootOf(parent) : (span.parentSpanContext as SpanContext).spanId;
      span.setAttribute(ATTR_ELKHOUND_TRANSACTION_ID, root);
    } catch (error) {
      diag.error('elkhound: could not stamp the transaction id on a span', error);
    }
  }

  onEnd(): void {}
}

/**
 * Stamps `elkhound.transaction.id` on every log record written inside a local span: the id of the
 * local entry span (the span's own id when it is the entry span). Register it before the
 * exporting processors.
 */
export class TransactionLogRecordProcessor extends StatelessProcessor {
  onEmit(record: WritableLogRecord, context?: Context): void {
    try {
      const span = trace.getSpan(context ?? api.active());
      if (span === undefined) return;
      const spanContext = span.spanContext();
      if (spanContext.isRemote === true || !trace.isSpanContextValid(spanContext)) return;
      record.setAttribute(ATTR_ELKHOUND_TRANSACTION_ID, rootOf(span));
    } catch (error) {
      diag.error('elkhound: could not stamp the transaction id on a log record', error);
    }
  }
}
