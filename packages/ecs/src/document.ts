import type { EcsDocument } from './types';
import { setOwnMember } from '@elkhound/otlp';
import type { Fields } from './fields';
import type { MappedResource } from './resource';

export const DATASET = 'elkhound';

export type SignalType = 'traces' | 'logs' | 'metrics';

/** Starts a document; `data_stream` and the resource join it, pre-serialised, in `finishDocument`. */
export function startDocument(timestamp: string): Fields {
  return { '@timestamp': timestamp };
}

/**
 * Adds the resource's labels, copied because the record's attributes add to them; the rest of
 * the resource joins the document as its pre-serialised fragment in `finishDocument`.
 */
export function addResource(document: Fields, resource: MappedResource): void {
  const fields = resource.fields;
  if (fields.labels) document.labels = { ...(fields.labels as Fields) };
  if (fields.numeric_labels) document.numeric_labels = { ...(fields.numeric_labels as Fields) };
}

/** `labels.otel_scope_name` / `labels.otel_scope_version` of one instrumentation scope. */
export interface ScopeLabels {
  readonly fields: Readonly<Fields>;
  /** The same as JSON members, spliced in when the document has no labels of its own. */
  readonly members: string;
}

const NO_SCOPE: ScopeLabels = { fields: {}, members: '' };

export function scopeLabels(name: string, version: string | undefined): ScopeLabels {
  if (!name) return NO_SCOPE;
  const fields: Fields = { otel_scope_name: name };
  if (version) fields.otel_scope_version = version;
  return { fields, members: JSON.stringify(fields).slice(1, -1) };
}

// `"data_stream":{…}` members and data stream names, one per signal type and namespace: a map
// per type, looked up by the namespace string alone (no key to build per document).
type DataStream = {
  members: string;
  name: string;
  /** The tail of the last resource's documents in this data stream, and that resource. */
  tailResource: MappedResource | undefined;
  tail: string;
};
const DATA_STREAMS: Record<SignalType, Map<string, DataStream>> = {
  traces: new Map(),
  logs: new Map(),
  metrics: new Map(),
};

function dataStreamOf(type: SignalType, namespace: string): DataStream {
  const known = DATA_STREAMS[type];
  let dataStream = known.get(namespace);
  if (dataStream === undefined) {
    dataStream = {
      members: `"data_stream":${JSON.stringify({ type, dataset: DATASET, namespace })}`,
      name: `${type}-${DATASET}-${namespace}`,
      tailResource: undefined,
      tail: '',
    };
    if (known.size < 1000) known.set(namespace, dataStream);
  }
  return dataStream;
}

/** `,"data_stream":{…},<the resource's fields>}`: how every document of a group ends. */
function tailOf(dataStream: DataStream, resource: MappedResource): string {
  if (dataStream.tailResource !== resource) {
    dataStream.tail = flat(
      resource.fragment
        ? `,${dataStream.members},${resource.fragment}}`
        : `,${dataStream.members}}`,
    );
    dataStream.tailResource = resource;
  }
  return dataStream.tail;
}

/** A flat copy of a string built by concatenation: its documents are joined from it many times. */
export function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** An encoder's document: its own head and its group's shared tail, the source the two joined. */
class SplitDocument implements EcsDocument {
  constructor(
    readonly id: string,
    readonly dataStream: string,
    readonly head: string,
    readonly tail: string,
  ) {}

  /** Joined when asked (a rejection, a test): writers take the head and the tail apart. */
  get source(): string {
    return this.head + this.tail;
  }
}

function ecsDocument(id: string, dataStream: DataStream, head: string, tail: string): EcsDocument {
  return new SplitDocument(id, dataStream.name, head, tail);
}

export function finishDocument(
  id: string,
  type: SignalType,
  namespace: string,
  document: Fields,
  resource: MappedResource,
  scope: ScopeLabels = NO_SCOPE,
  fixed = '',
): EcsDocument {
  let splicedScope = '';
  if (scope.members) {
    const labels = document.labels as Fields | undefined;
    if (labels === undefined) splicedScope = `,"labels":{${scope.members}}`;
    else {
      // The record's own attributes win over the scope's name, as they do over the resource.
      // Own members only: a label named `constructor` or `__proto__` is not Object.prototype's.
      for (const key in scope.fields)
        if (!Object.hasOwn(labels, key)) setOwnMember(labels, key, scope.fields[key]);
    }
  }
  const own = JSON.stringify(document);
  const dataStream = dataStreamOf(type, namespace);
  // Splice the constant parts in rather than serialising them again for every document. `own`
  // holds at least @timestamp unless the encoder wrote it into `fixed`.
  let head = fixed ? `{${fixed}${own.length > 2 ? `,${own.slice(1, -1)}` : ''}` : own.slice(0, -1);
  head += splicedScope;
  return ecsDocument(id, dataStream, head, tailOf(dataStream, resource));
}

/** A document whose members (after `{`) are already text: the fixed ones and the planned attributes. */
export function finishPlannedDocument(
  id: string,
  type: SignalType,
  namespace: string,
  members: string,
  resource: MappedResource,
): EcsDocument {
  const dataStream = dataStreamOf(type, namespace);
  return ecsDocument(id, dataStream, `{${members}`, tailOf(dataStream, resource));
}
