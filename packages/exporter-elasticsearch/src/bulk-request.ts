import { promisify } from 'node:util';
import { gzip, constants as zlibConstants } from 'node:zlib';
import type { EcsDocument } from '@elkhound/ecs';

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
    offset += body.write(actionLine(document), offset, 'utf8');
    offset += body.write(document.source, offset, 'utf8');
    body[offset++] = 0x0a;
  }
  // A caller-given size that was wrong must not send uninitialised memory.
  if (offset !== total) throw new Error(`bulk body is ${offset} bytes, ${total} were expected`);
  return body;
}

// Ids and data stream names come from @elkhound/ecs as hex, digits and `[a-z0-9._-]`, which need
// no JSON escaping; anything else (a replayed or hand-made document) goes through JSON.stringify.
function isSafe(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // A-Z a-z 0-9 . _ : -
    if (!(
      (code >= 0x61 && code <= 0x7a) ||
      (code >= 0x30 && code <= 0x3a) ||
      (code >= 0x41 && code <= 0x5a) ||
      code === 0x2e ||
      code === 0x5f ||
      code === 0x2d
    ))
      return false;
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
  const action = isSafeDocument(document)
    ? ACTION_OVERHEAD + document.dataStream.length + document.id.length
    : Buffer.byteLength(actionLine(document));
  return action + Buffer.byteLength(document.source) + 1;
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
