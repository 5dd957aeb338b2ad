import { ownMember, setOwnMember, type AnyValue, type Attributes } from '@elkhound/otlp';
import { toFlattened, toJsonValue } from './content';

/** A document under construction: nested plain objects, serialised once at the end. */
export type Fields = Record<string, unknown>;

/** Label values longer than this are cut (keyword fields ignore longer values anyway). */
export const MAX_LABEL_LENGTH = 1024;

// Attribute names repeat across spans: split each dotted path once.
const SEGMENTS = new Map<string, readonly string[]>();
const MAX_CACHED_PATHS = 10_000;

function segmentsOf(path: string): readonly string[] {
  let segments = SEGMENTS.get(path);
  if (segments === undefined) {
    segments = path.split('.');
    if (SEGMENTS.size < MAX_CACHED_PATHS) SEGMENTS.set(path, segments);
  }
  return segments;
}

/** Sets `a.b.c` in nested objects, creating the intermediate objects. */
export function setPath(document: Fields, path: string, value: unknown): void {
  setSegments(document, segmentsOf(path), value);
}

/**
 * Sets the value at `segments`, making the intermediate objects and replacing a scalar or an array
 * in the way. With `stop`: false, and nothing set at the end, when an intermediate value matches
 * it (the attribute writer's plans use it to stay on what this path does).
 */
export function setSegments(
  document: Fields,
  segments: readonly string[],
  value: unknown,
  stop?: (child: unknown) => boolean,
): boolean {
  let node = document;
  const last = segments.length - 1;
  for (let index = 0; index < last; index++) {
    const key = segments[index] as string;
    // Own members only: `gen_ai.__proto__.x` must not lead into Object.prototype.
    let child = ownMember(node, key);
    if (stop !== undefined && stop(child)) return false;
    if (typeof child !== 'object' || child === null || Array.isArray(child)) {
      child = {};
      setOwnMember(node, key, child);
    }
    node = child as Fields;
  }
  setOwnMember(node, segments[last] as string, value);
  return true;
}

/** Attributes whose OTel name maps to an ECS field of another name. */
const RENAMED: Record<string, string> = {
  'exception.type': 'error.type',
  'exception.message': 'error.message',
  'exception.stacktrace': 'error.stack_trace',
  'http.method': 'http.request.method',
  'http.status_code': 'http.response.status_code',
  'db.system': 'db.system',
};

/** OTel attributes written at the same path in ECS (ECS adopted their names). */
const SAME_PATH = new Set([
  'server.address',
  'server.port',
  'client.address',
  'client.port',
  'url.full',
  'url.path',
  'url.scheme',
  'url.query',
  'http.request.method',
  'http.response.status_code',
  'http.route',
  'user_agent.original',
  'error.type',
  'db.system',
  'db.system.name',
  'db.namespace',
  'db.operation.name',
  'db.collection.name',
  'db.query.text',
]);

/**
 * The local entry span's id, stamped by Elkhound's transaction processors on non-entry spans and
 * on log records: the encoders write it as `transaction.id` (never as a field of its own).
 */
export const TRANSACTION_ID_ATTRIBUTE = 'elkhound.transaction.id';

/** The attribute's value when it is usable as `transaction.id`. */
export function transactionIdOf(attributes: Attributes): string | undefined {
  const value = attributes[TRANSACTION_ID_ATTRIBUTE];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** GenAI content attributes: kept structured in `flattened` fields. */
const CONTENT = new Set([
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
]);

/**
 * Routes span / log attributes onto the document: `gen_ai.*` and `elkhound.*` keep their dotted
 * names as nested ECS fields (the ECS gen_ai field set uses the conventions' names), a few
 * adopted names go to their ECS fields, and everything else becomes `labels.*` (strings,
 * booleans) or `numeric_labels.*` (numbers) with dots replaced by underscores.
 */
export function mapAttributes(
  document: Fields,
  attributes: Attributes,
  skip?: ReadonlySet<string>,
): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (skip !== undefined && skip.has(key)) continue;
    const route = routeOf(key);
    switch (route.kind) {
      case 'field':
        setSegments(document, route.segments, toJsonValue(value));
        break;
      case 'content':
        setSegments(document, route.segments, toFlattened(value));
        break;
      case 'consumed':
        break;
      default:
        setLabel(document, key, value, route.labelName);
    }
  }
}

export interface AttributeRoute {
  /**
   * `field`: an ECS field at `path`; `content`: the same, stored flattened; `label`: `labels.*` /
   * `numeric_labels.*`; `consumed`: written by the encoder itself (`transaction.id`).
   */
  readonly kind: 'field' | 'content' | 'label' | 'consumed';
  readonly path: string;
  readonly segments: readonly string[];
  /** The label name (dots replaced by underscores), for `label` routes. */
  readonly labelName: string;
}

// Attribute names repeat from span to span: route each name once.
const ROUTES = new Map<string, AttributeRoute>();

/** Where an attribute goes; the same decision `mapAttributes` makes. */
export function routeOf(key: string): AttributeRoute {
  let route = ROUTES.get(key);
  if (route !== undefined) return route;
  if (key === TRANSACTION_ID_ATTRIBUTE)
    route = { kind: 'consumed', path: 'transaction.id', segments: [], labelName: '' };
  else if (key.startsWith('gen_ai.') || key.startsWith('elkhound.'))
    route = {
      kind: CONTENT.has(key) ? 'content' : 'field',
      path: key,
      segments: segmentsOf(key),
      labelName: '',
    };
  else {
    // Own keys only: an attribute named `constructor` or `toString` is not a field of the table.
    const target =
      (Object.hasOwn(RENAMED, key) ? RENAMED[key] : undefined) ??
      (SAME_PATH.has(key) ? key : undefined);
    route =
      target !== undefined
        ? { kind: 'field', path: target, segments: segmentsOf(target), labelName: '' }
        : { kind: 'label', path: '', segments: [], labelName: key.replaceAll('.', '_') };
  }
  if (ROUTES.size < MAX_CACHED_PATHS) ROUTES.set(key, route);
  return route;
}

export function setLabel(
  document: Fields,
  key: string,
  value: AnyValue,
  name = key.replaceAll('.', '_'),
): void {
  // setOwnMember: a label named `__proto__` is a label, not the labels object's prototype.
  if (typeof value === 'number') {
    setOwnMember(labelsOf(document, 'numeric_labels'), name, value);
  } else if (typeof value === 'boolean') {
    setOwnMember(labelsOf(document, 'labels'), name, value);
  } else if (typeof value === 'string') {
    setOwnMember(labelsOf(document, 'labels'), name, cut(value));
  } else if (Array.isArray(value) && value.every((item) => typeof item === 'number')) {
    setOwnMember(labelsOf(document, 'numeric_labels'), name, value);
  } else if (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'string' || typeof item === 'boolean')
  ) {
    setOwnMember(
      labelsOf(document, 'labels'),
      name,
      value.map((item) => (typeof item === 'string' ? cut(item) : item)),
    );
  } else {
    // Maps, mixed arrays, bytes: kept, as JSON text, never a mapping conflict.
    setOwnMember(labelsOf(document, 'labels'), name, cut(JSON.stringify(toJsonValue(value))));
  }
}

function labelsOf(document: Fields, field: 'labels' | 'numeric_labels'): Fields {
  let labels = document[field] as Fields | undefined;
  if (!labels) {
    labels = {};
    document[field] = labels;
  }
  return labels;
}

function cut(value: string): string {
  return value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value;
}
