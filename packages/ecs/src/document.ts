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
 * Adds the resource's fields. They are shared between documents of one resource and only
 * serialised; the label objects are copied because attributes add to them.
 */
export function addResource(document: Fields, resource: MappedResource): void {
  const fields = resource.fields;
  for (const key in fields) {
    const value = fields[key];
    document[key] = key === 'labels' || key === 'numeric_labels' ? { ...(value as Fields) } : value;
  }
}

export function finishDocument(
  id: string,
  type: SignalType,
  namespace: string,
  document: Fields,
): EcsDocument {
  return { id, dataStream: `${type}-${DATASET}-${namespace}`, source: JSON.stringify(document) };
}
