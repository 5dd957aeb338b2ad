import type { LogRecord, ResourceLogs } from '@elkhound/otlp';
import { toFlattened } from './content';
import { timestampMicros } from './apm';
import { addResource, finishDocument, startDocument } from './document';
import { addExceptionFields, EXCEPTION_ATTRIBUTES, EXCEPTION_EVENT } from './exception';
import { mapAttributes, setPath, transactionIdOf } from './fields';
import { logRecordDocumentId } from './ids';
import { encodePlannedLogRecord, plannable } from './log-text';
import { mapResource } from './resource';
import { isoNanos, sameTime } from './time';
import type { EcsDocument, EncodeOptions } from './types';

/** Severity number ranges of the OTel log data model → log.level. */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export function levelOf(record: LogRecord): string | undefined {
  if (record.severityText) return record.severityText.toLowerCase();
  const number = record.severityNumber;
  if (number === undefined || number < 1 || number > 24) return undefined;
  return LEVELS[Math.floor((number - 1) / 4)];
}

/**
 * Log records → `logs-elkhound-{namespace}`. A string body is the `message`; a map or array body
 * is kept whole under `body.structured` (flattened) — never dropped. trace.id / span.id make
 * the correlation with the span the record was emitted in.
 */
export function encodeLogs(
  resourceLogs: readonly ResourceLogs[],
  options: EncodeOptions = {},
): EcsDocument[] {
  const documents: EcsDocument[] = [];
  for (const group of resourceLogs) {
    const resource = mapResource(group.resource);
    const namespace = resource.namespace ?? options.namespace ?? 'default';
    const plans = options.plans !== false;
    for (const scopeLogs of group.scopeLogs) {
      const scopeName = scopeLogs.scope.name;
      for (const record of scopeLogs.logRecords) {
        const time =
          record.time && (record.time[0] !== 0 || record.time[1] !== 0)
            ? record.time
            : record.observedTime;
        // The conventions' `exception` event, as a log record (the newer form of the exception
        // span event): an ECS error document, as the span event would be.
        const exception = record.eventName === EXCEPTION_EVENT;
        const id = logRecordDocumentId(record, scopeName);
        // Most records are written as text from their attributes' plan (log-text.ts).
        if (!exception && plans && plannable(record, resource)) {
          const planned = encodePlannedLogRecord(
            record,
            time ?? [0, 0],
            id,
            scopeName,
            levelOf(record),
            namespace,
            resource,
          );
          if (planned !== undefined) {
            documents.push(planned);
            continue;
          }
        }
        const document = startDocument(isoNanos(time ?? [0, 0]));
        document.processor = { event: exception ? 'error' : 'log' };
        if (record.traceId) document.trace = { id: record.traceId };
        if (record.spanId) document.span = { id: record.spanId };
        const transactionId = transactionIdOf(record.attributes);
        if (exception) {
          // As an exception span event: on the span it was recorded in (apm.ts, exception.ts).
          if (record.spanId) document.parent = { id: record.spanId };
          if (transactionId !== undefined)
            document.transaction = { id: transactionId, sampled: true };
          document.timestamp = { us: timestampMicros(time ?? [0, 0]) };
        } else if (transactionId !== undefined) document.transaction = { id: transactionId };
        // No `event.kind` (`event` on every document), and the observed time only where it is
        // not the record's time already: each field costs Elasticsearch about 1 µs a document.
        let event: Record<string, unknown> | undefined;
        if (record.severityNumber !== undefined) (event ??= {}).severity = record.severityNumber;
        if (record.eventName) (event ??= {}).action = record.eventName;
        if (record.observedTime && !sameTime(record.observedTime, time))
          (event ??= {}).created = isoNanos(record.observedTime);
        if (event !== undefined) document.event = event;
        addResource(document, resource);
        const level = levelOf(record);
        if (level) setPath(document, 'log.level', level);
        if (scopeName) setPath(document, 'log.logger', scopeName);
        const exceptionMessage = exception
          ? addExceptionFields(document, record.attributes, id)
          : undefined;
        const body = record.body;
        if (typeof body === 'string') document.message = body;
        else if (typeof body === 'number' || typeof body === 'boolean')
          document.message = String(body);
        else if (body !== undefined && body !== null)
          setPath(document, 'body.structured', toFlattened(body));
        if (document.message === undefined && exceptionMessage !== undefined)
          document.message = exceptionMessage;
        mapAttributes(document, record.attributes, exception ? EXCEPTION_ATTRIBUTES : undefined);
        documents.push(finishDocument(id, 'logs', namespace, document, resource));
      }
    }
  }
  return documents;
}
