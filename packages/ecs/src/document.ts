import type { EcsDocument } from './types';
import type { Fields } from './fields';
import type { MappedResource } from './resource';

export const DATASET = 'elkhound';

export type SignalType = 'traces' | 'logs' | 'metrics';

/** Starts a document with the fields every ECS document of Elkhound opens with. */
export function startDocument(timestamp: string, type: SignalType, namespace: string): Fields {
  return {
    '@timestamp': timestamp,
    data_stream: { type, dataset: DATASET, namespace },
  };
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

export function finishDocument(
  id: string,
  type: SignalType,
  namespace: string,
  document: Fields,
  resource: MappedResource,
): EcsDocument {
  const own = JSON.stringify(document);
  // `own` always holds at least @timestamp, so it never is `{}`.
  const source = resource.fragment ? `${own.slice(0, -1)},${resource.fragment}}` : own;
  return { id, dataStream: `${type}-${DATASET}-${namespace}`, source };
}
