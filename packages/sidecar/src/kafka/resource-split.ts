// One Kafka record per resource, as the Collector's kafka exporter writes logs with
// `partition_logs_by_resource_attributes` (and metrics with
// `partition_metrics_by_resource_attributes`): the key is a hash of the resource's attributes, so
// the telemetry of one resource (a service instance, a host) stays in one partition, in order.
// The split works on the protobuf wire, as the trace split does: each ResourceLogs /
// ResourceMetrics is copied as the bytes it came in.
//
// The key is Elkhound's own: the first 16 bytes of SHA-256 over the resource's attributes
// (each KeyValue as its protobuf bytes, sorted, so the order they came in does not matter), in
// lowercase hex. The Collector hashes with pdatautil.MapHash (xxHash over its own encoding of
// the map); the two keys differ, so one resource's records from a Collector and from Elkhound
// can land in different partitions of a shared topic — each producer keeps its own in order.
import { createHash } from 'node:crypto';
import { fields } from './trace-split';

export interface ResourceRecord {
  key: string;
  value: Buffer;
}

/** The key of a resource: a hash of its attributes (no attributes: the hash of nothing). */
function resourceKey(body: Buffer, resourceStart: number, resourceEnd: number): string {
  const attributes: Buffer[] = [];
  for (const field of fields(body, resourceStart, resourceEnd)) {
    // Resource.attributes: repeated KeyValue, each taken whole (key and value).
    if (field.number === 1 && field.wireType === 2) {
      attributes.push(body.subarray(field.valueStart, field.end));
    }
  }
  attributes.sort(Buffer.compare);
  const hash = createHash('sha256');
  for (const attribute of attributes) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(attribute.length);
    hash.update(length).update(attribute);
  }
  return hash.digest().subarray(0, 16).toString('hex');
}

/**
 * Splits an ExportLogsServiceRequest or ExportMetricsServiceRequest (protobuf; both hold their
 * resources in field 1, the resource in field 1 of each) into one request per distinct resource
 * attribute set, keyed by its hash. Resources with the same attributes share a record.
 */
export function splitByResource(body: Buffer): ResourceRecord[] {
  const byKey = new Map<string, Uint8Array[]>();
  for (const top of fields(body, 0, body.length)) {
    if (top.number !== 1 || top.wireType !== 2) continue;
    let key: string | undefined;
    for (const field of fields(body, top.valueStart, top.end)) {
      if (field.number === 1 && field.wireType === 2) {
        key = resourceKey(body, field.valueStart, field.end);
        break;
      }
    }
    key ??= resourceKey(body, 0, 0);
    let parts = byKey.get(key);
    if (!parts) byKey.set(key, (parts = []));
    parts.push(body.subarray(top.start, top.end));
  }
  if (byKey.size <= 1) {
    const [key] = byKey.keys();
    return [{ key: key ?? resourceKey(body, 0, 0), value: body }];
  }
  return [...byKey].map(([key, parts]) => ({ key, value: Buffer.concat(parts) }));
}
