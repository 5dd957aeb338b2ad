import { promisify } from 'node:util';
import { gzip, constants as zlibConstants } from 'node:zlib';
import { sourceByteLength, writeSource, type EcsDocument } from '@elkhound/ecs';
import { EncodedDocument } from './encoded-document';

// The body of one `_bulk` request: a `create` action line and the pre-serialised source line per
// document. `create` with a deterministic `_id` makes a retry or a replay a 409, never a copy.

/** Documents of one bulk request and the exact size of their body, known before it is written. */
export interface BulkBatch {
  documents: EcsDocument[];
  bytes: number;
}

/**
 * Writes the body into one buffer sized up front. `Buffer.from` of a concatenated string would
 * first flatten a rope of two pieces per document: measured at about twice the time per document
 * (docs/benchmarks.md).
 */
export function bulkBody(documents: readonly EcsDocument[], bytes?: number): Buffer {
  const total = bytes ?? bodyBytes(documents);
  const body = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let index = 0; index < documents.length; index++) {
    const document = documents[index] as EcsDocument;
    if (document instanceof EncodedDocument) {
      // Already bulk lines: copied, and with the documents that follow them in the same bytes
      // (a queue record's) in one copy.
      let end = document.end;
      let next = index + 1;
      for (; next < documents.length; next++) {
        const following = documents[next];
        if (
          !(following instanceof EncodedDocument) ||
          following.bytes !== document.bytes ||
          following.start !== end
        )
          break;
        end = following.end;
      }
      offset += document.bytes.copy(body, offset, document.start, end);
      index = next - 1;
    } else offset += writeBulkLines(body, offset, document);
  }
  // A caller-given size that was wrong must not send uninitialised memory.
  if (offset !== total) throw new Error(`bulk body is ${offset} bytes, ${total} were expected`);
  return body;
}

/**
 * Writes a document's action line and source line at `offset` (the caller made room for
 * `documentBytes`); returns the bytes written. The action line is written as bytes: its start, up
 * to the id, is kept per data stream, and the id is ASCII; only the source is encoded.
 */
export function writeBulkLines(target: Buffer, offset: number, document: EcsDocument): number {
  let at = offset;
  if (isSafeDocument(document)) {
    const start = actionStart(document.dataStream);
    target.set(start, at);
    at += start.length;
    at += target.write(document.id, at, 'latin1');
    target[at++] = 0x22; // "
    target[at++] = 0x7d; // }
    target[at++] = 0x7d; // }
    target[at++] = 0x0a;
  } else at += target.write(actionLine(document), at, 'utf8');
  at += writeSource(target, at, document);
  target[at++] = 0x0a;
  return at - offset;
}

/** Characters an id or a data stream name may have to be written without JSON escaping. */
const SAFE = new Uint8Array(128);
for (const range of ['az', 'AZ', '09'])
  for (let code = range.charCodeAt(0); code <= range.charCodeAt(1); code++) SAFE[code] = 1;
for (const character of '.:_-') SAFE[character.charCodeAt(0)] = 1;

// Ids and data stream names come from @elkhound/ecs as hex, digits and `[a-z0-9._-]`, which need
// no JSON escaping; anything else (a replayed or hand-made document) goes through JSON.stringify.
function isSafe(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0x7f || SAFE[code] === 0) return false;
  }
  return true;
}

// Documents of a batch share a handful of data streams: the last one checked is remembered.
let lastSafeDataStream = '';

function isSafeDocument(document: EcsDocument): boolean {
  const dataStream = document.dataStream;
  if (dataStream !== lastSafeDataStream) {
    if (!isSafe(dataStream)) return false;
    lastSafeDataStream = dataStream;
  }
  return isSafe(document.id);
}

/** `{"create":{"_index":"<data stream>","_id":"` as bytes, per (safe) data stream. */
const ACTION_STARTS = new Map<string, Buffer>();
let lastActionStart: { dataStream: string; bytes: Buffer } = {
  dataStream: '',
  bytes: Buffer.alloc(0),
};

function actionStart(dataStream: string): Buffer {
  if (lastActionStart.dataStream === dataStream) return lastActionStart.bytes;
  let bytes = ACTION_STARTS.get(dataStream);
  if (bytes === undefined) {
    bytes = Buffer.from(`{"create":{"_index":"${dataStream}","_id":"`, 'latin1');
    // Data stream names are few; a bound keeps hostile namespaces from growing the map.
    if (ACTION_STARTS.size < 1000) ACTION_STARTS.set(dataStream, bytes);
  }
  lastActionStart = { dataStream, bytes };
  return bytes;
}

export function actionLine(document: EcsDocument): string {
  if (isSafeDocument(document)) {
    return `{"create":{"_index":"${document.dataStream}","_id":"${document.id}"}}\n`;
  }
  return `${JSON.stringify({ create: { _index: document.dataStream, _id: document.id } })}\n`;
}

// `{"create":{"_index":"","_id":""}}\n` around the data stream name and the id.
const ACTION_OVERHEAD = 34;

/** The exact number of bytes a document adds to a bulk body. */
export function documentBytes(document: EcsDocument): number {
  if (document instanceof EncodedDocument) return document.end - document.start;
  const action = isSafeDocument(document)
    ? ACTION_OVERHEAD + document.dataStream.length + document.id.length
    : Buffer.byteLength(actionLine(document));
  return action + sourceByteLength(document) + 1;
}

export function bodyBytes(documents: readonly EcsDocument[]): number {
  let total = 0;
  for (let index = 0; index < documents.length; index++) {
    total += documentBytes(documents[index] as EcsDocument);
  }
  return total;
}

const gzipAsync = promisify(gzip);

/**
 * Gzip at the fastest level, on libuv's thread pool so a 5 MB body does not hold the event loop
 * of the application hosting an in-process exporter. Bulk bodies of ECS JSON still shrink
 * 8-10x at level 1; CPU is the scarcer resource.
 */
export function gzipBody(body: Buffer): Promise<Buffer> {
  return gzipAsync(body, { level: zlibConstants.Z_BEST_SPEED });
}

/** Splits documents into batches of at most `maxBytes` (a single larger document gets its own batch). */
export function splitByBytes(documents: readonly EcsDocument[], maxBytes: number): BulkBatch[] {
  const batches: BulkBatch[] = [];
  let current: EcsDocument[] = [];
  let size = 0;
  for (let index = 0; index < documents.length; index++) {
    const document = documents[index] as EcsDocument;
    const bytes = documentBytes(document);
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push({ documents: current, bytes: size });
      current = [];
      size = 0;
    }
    current.push(document);
    size += bytes;
  }
  if (current.length > 0) batches.push({ documents: current, bytes: size });
  return batches;
}
