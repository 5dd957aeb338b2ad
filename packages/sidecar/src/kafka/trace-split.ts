// One Kafka record per trace, as the Collector's kafka exporter writes with
// `partition_traces_by_id`: the record key is the trace id in lowercase hex and the value an
// ExportTraceServiceRequest holding only that trace's spans, each under its own resource and
// scope. The split works on the protobuf wire: resources, scopes and spans are copied as the
// bytes they came in (no decode, no re-encode, nothing lost, unknown fields kept).

interface Field {
  number: number;
  wireType: number;
  /** The whole field: tag, length and value. */
  start: number;
  end: number;
  /** The value of a length-delimited field. */
  valueStart: number;
}

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let offset = at;
  for (;;) {
    if (offset >= bytes.length) throw new Error('protobuf: varint runs past the end');
    const byte = bytes[offset++] as number;
    if (shift < 49) value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, offset];
    shift += 7;
    if (shift > 63) throw new Error('protobuf: varint longer than 10 bytes');
  }
}

export function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let offset = start;
  while (offset < end) {
    const fieldStart = offset;
    const [tag, afterTag] = readVarint(bytes, offset);
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    let valueStart = afterTag;
    switch (wireType) {
      case 0:
        offset = readVarint(bytes, afterTag)[1];
        break;
      case 1:
        offset = afterTag + 8;
        break;
      case 2: {
        const [length, afterLength] = readVarint(bytes, afterTag);
        valueStart = afterLength;
        offset = afterLength + length;
        break;
      }
      case 5:
        offset = afterTag + 4;
        break;
      default:
        throw new Error(`protobuf: wire type ${wireType} is not supported`);
    }
    if (offset > end) throw new Error('protobuf: a field runs past its message');
    yield { number, wireType, start: fieldStart, end: offset, valueStart };
  }
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** `field` (length-delimited) around the concatenation of `parts`. */
function frame(field: number, parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varintBytes(length)]), ...parts]);
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export interface TraceRecord {
  /** Lowercase hex trace id; undefined for spans without a valid one. */
  key: string | undefined;
  value: Buffer;
}

/**
 * Splits an ExportTraceServiceRequest (protobuf) into one request per trace id. A request
 * holding one trace comes back as it is.
 */
export function splitTraceRequest(body: Buffer): TraceRecord[] {
  // trace key → resource index → scope index → span bytes; resources and scopes kept aside.
  const traces = new Map<string, Map<number, Map<number, Uint8Array[]>>>();
  const resourceParts: Uint8Array[][] = [];
  const scopeParts: Uint8Array[][][] = [];
  let resourceIndex = 0;
  for (const top of fields(body, 0, body.length)) {
    if (top.number !== 1 || top.wireType !== 2) continue;
    const ownParts: Uint8Array[] = [];
    const scopes: Uint8Array[][] = [];
    let scopeIndex = 0;
    for (const rsField of fields(body, top.valueStart, top.end)) {
      if (rsField.number !== 2 || rsField.wireType !== 2) {
        ownParts.push(body.subarray(rsField.start, rsField.end));
        continue;
      }
      const scopeOwn: Uint8Array[] = [];
      for (const ssField of fields(body, rsField.valueStart, rsField.end)) {
        if (ssField.number !== 2 || ssField.wireType !== 2) {
          scopeOwn.push(body.subarray(ssField.start, ssField.end));
          continue;
        }
        let key = '';
        for (const spanField of fields(body, ssField.valueStart, ssField.end)) {
          if (spanField.number === 1 && spanField.wireType === 2) {
            const id = body.subarray(spanField.valueStart, spanField.end);
            if (id.length === 16 && id.some((byte) => byte !== 0)) key = hex(id);
            break;
          }
        }
        let byResource = traces.get(key);
        if (!byResource) traces.set(key, (byResource = new Map()));
        let byScope = byResource.get(resourceIndex);
        if (!byScope) byResource.set(resourceIndex, (byScope = new Map()));
        let spans = byScope.get(scopeIndex);
        if (!spans) byScope.set(scopeIndex, (spans = []));
        spans.push(body.subarray(ssField.start, ssField.end));
      }
      scopes.push(scopeOwn);
      scopeIndex++;
    }
    resourceParts.push(ownParts);
    scopeParts.push(scopes);
    resourceIndex++;
  }
  if (traces.size <= 1) {
    const [key] = traces.keys();
    return [{ key: key ? key : undefined, value: body }];
  }
  const records: TraceRecord[] = [];
  for (const [key, byResource] of traces) {
    const resources: Buffer[] = [];
    for (const [resource, byScope] of byResource) {
      const scopes: Buffer[] = [];
      for (const [scope, spans] of byScope) {
        scopes.push(frame(2, [...(scopeParts[resource]?.[scope] ?? []), ...spans]));
      }
      resources.push(frame(1, [...(resourceParts[resource] ?? []), ...scopes]));
    }
    records.push({ key: key ? key : undefined, value: Buffer.concat(resources) });
  }
  return records;
}
