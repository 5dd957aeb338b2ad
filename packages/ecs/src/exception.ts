import { createHash } from 'node:crypto';
import type { Attributes } from '@elkhound/otlp';
import { setPath, type Fields } from './fields';

/** The conventions' exception event, as a span event or (the newer form) a log record. */
export const EXCEPTION_EVENT = 'exception';

/** Read for `error.handled`, not kept as a label. */
export const EXCEPTION_ATTRIBUTES: ReadonlySet<string> = new Set(['exception.escaped']);

/**
 * The ECS error fields an exception event adds beyond its attributes (whose `exception.type`,
 * `.message` and `.stacktrace` map to `error.*` like any attribute): `error.handled`, from
 * `exception.escaped` — an exception that escaped the span's scope was not handled there — and
 * the fields the APM UI's Errors views read, as the APM Server writes them for an OTLP exception
 * event: `error.id`, `error.grouping_key`, `error.grouping_name` and `error.exception` (an array of one exception:
 * `message`, `type`, `handled`). Returns the exception's message, for the document's `message`.
 */
export function addExceptionFields(
  document: Fields,
  attributes: Attributes,
  documentId: string,
): string | undefined {
  const escaped = attributes['exception.escaped'];
  const handled = typeof escaped === 'boolean' ? !escaped : undefined;
  if (handled !== undefined) setPath(document, 'error.handled', handled);
  const message = stringOf(attributes['exception.message']);
  const type = stringOf(attributes['exception.type']);
  const stacktrace = stringOf(attributes['exception.stacktrace']);
  // The APM Server's error ids are random; Elkhound's are derived from the document's id, so a
  // retried or replayed document keeps its error id.
  setPath(document, 'error.id', md5(documentId));
  setPath(document, 'error.grouping_key', groupingKey(type, stacktrace, message));
  // What the APM templates compute at index time by a script (the first exception's message),
  // written here: Elkhound's templates cannot rely on scripts.
  if (message !== undefined) setPath(document, 'error.grouping_name', message);
  const exception: Fields = {};
  if (message !== undefined) exception.message = message;
  if (type !== undefined) exception.type = type;
  // The APM Server writes `handled: true` when `exception.escaped` is absent.
  exception.handled = handled ?? true;
  setPath(document, 'error.exception', [exception]);
  return message;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

// A stack frame line: `at fn (file.js:12:3)` (JavaScript, Java, .NET) or
// `File "app.py", line 12, in fn` (Python).
const FRAME = /^\s*(?:at |File )/;
const LINE_NUMBERS = /:\d+(?::\d+)?|line \d+/g;

/**
 * `error.grouping_key`: the APM Server's rule (`modelprocessor.SetGroupingKey`, MD5) over what
 * an OTLP exception event carries — the exception type and its stack frames, else its message.
 * The APM Server hashes parsed frames (module or file, and function); Elkhound hashes the stack
 * trace's frame lines without their line and column numbers, so the same throw site groups
 * together across releases and messages that differ (ids, values) do not split a group.
 */
export function groupingKey(
  type: string | undefined,
  stacktrace: string | undefined,
  message: string | undefined,
): string {
  const hash = createHash('md5');
  let updated = false;
  if (type !== undefined) {
    hash.update(type);
    updated = true;
  }
  if (stacktrace !== undefined) {
    for (const line of stacktrace.split('\n')) {
      if (!FRAME.test(line)) continue;
      hash.update(line.trim().replace(LINE_NUMBERS, ''));
      updated = true;
    }
  }
  if (!updated && message !== undefined) hash.update(message);
  return hash.digest('hex');
}
