import type { Attributes } from '@elkhound/otlp';
import { setPath, type Fields } from './fields';

/** The conventions' exception event, as a span event or (the newer form) a log record. */
export const EXCEPTION_EVENT = 'exception';

/** Read for `error.handled`, not kept as a label. */
export const EXCEPTION_ATTRIBUTES: ReadonlySet<string> = new Set(['exception.escaped']);

/**
 * The ECS error fields an exception event adds beyond its attributes (whose `exception.type`,
 * `.message` and `.stacktrace` map to `error.*` like any attribute): `error.handled`, from
 * `exception.escaped` — an exception that escaped the span's scope was not handled there. Returns
 * the exception's message, for the document's `message`.
 */
export function addExceptionFields(document: Fields, attributes: Attributes): string | undefined {
  const escaped = attributes['exception.escaped'];
  if (typeof escaped === 'boolean') setPath(document, 'error.handled', !escaped);
  const message = attributes['exception.message'];
  return typeof message === 'string' ? message : undefined;
}
