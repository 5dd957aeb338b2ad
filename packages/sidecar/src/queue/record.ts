import { crc32 } from 'node:zlib';
import type { EcsDocument } from '@elkhound/ecs';
import { documentBytes, EncodedDocument, writeBulkLines } from '@elkhound/exporter-elasticsearch';

// One queue record holds the documents of one request:
//   [u32 payload length][u32 CRC32 of payload] payload = [u32 document count | BULK_LINES] …
// The length + CRC frame lets recovery find the end of the last whole record after a crash.
//
// The payload is written as bulk lines (BULK_LINES set in the count):
//   [u32 byte length of each document's lines] × count, then per document its `create` action
//   line and its source line, exactly as a `_bulk` body holds them,
// so the queue's consumer sends the bytes it reads without decoding or encoding them again.
// Records of earlier versions (the flag clear) hold UTF-8 lines `id \t dataStream \t source \n`
// (ids and data stream names hold no tab or newline; a source is one line of JSON): still read.

export const HEADER_BYTES = 8;
/** A record longer than this is corruption, not data (no request decodes to that much). */
export const MAX_RECORD_BYTES = 1024 ** 3;
/** Set in the document count of a payload written as bulk lines. */
const BULK_LINES = 0x80000000;

export function encodeRecord(documents: readonly EcsDocument[]): Buffer {
  const count = documents.length;
  const lengths = new Array<number>(count);
  let linesBytes = 0;
  for (let index = 0; index < count; index++) {
    const bytes = documentBytes(documents[index] as EcsDocument);
    lengths[index] = bytes;
    linesBytes += bytes;
  }
  const payloadBytes = 4 + 4 * count + linesBytes;
  const record = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  record.writeUInt32LE(payloadBytes, 0);
  record.writeUInt32LE((count | BULK_LINES) >>> 0, HEADER_BYTES);
  let offset = HEADER_BYTES + 4;
  for (let index = 0; index < count; index++) {
    record.writeUInt32LE(lengths[index] as number, offset);
    offset += 4;
  }
  for (let index = 0; index < count; index++) {
    const written = writeBulkLines(record, offset, documents[index] as EcsDocument);
    if (written !== lengths[index]) throw new Error('queue record: a document changed its size');
    offset += written;
  }
  record.writeUInt32LE(crc32(record.subarray(HEADER_BYTES)), 4);
  return record;
}

/**
 * The documents of a record payload (the bytes after the header): bulk lines become
 * EncodedDocuments over the payload's bytes (nothing decoded); earlier records, plain documents.
 */
export function decodeDocuments(payload: Buffer, into: EcsDocument[]): void {
  const word = payload.readUInt32LE(0);
  if ((word & BULK_LINES) === 0) {
    decodeTextLines(payload, into);
    return;
  }
  const count = (word & ~BULK_LINES) >>> 0;
  let start = 4 + 4 * count;
  if (start > payload.length) throw new Error('queue record: its length table is cut off');
  for (let index = 0; index < count; index++) {
    const end = start + payload.readUInt32LE(4 + 4 * index);
    if (end > payload.length) throw new Error('queue record: a document runs past its end');
    into.push(new EncodedDocument(payload, start, end));
    start = end;
  }
  if (start !== payload.length) throw new Error('queue record: bytes after its documents');
}

/** A payload of the first version: `id \t dataStream \t source \n` lines. */
function decodeTextLines(payload: Buffer, into: EcsDocument[]): void {
  const text = payload.toString('utf8', 4);
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const lineEnd = end === -1 ? text.length : end;
    const firstTab = text.indexOf('\t', start);
    const secondTab = text.indexOf('\t', firstTab + 1);
    if (firstTab === -1 || secondTab === -1 || secondTab > lineEnd) {
      throw new Error('queue record holds a line that is not id, data stream and source');
    }
    into.push({
      id: text.slice(start, firstTab),
      dataStream: text.slice(firstTab + 1, secondTab),
      source: text.slice(secondTab + 1, lineEnd),
    });
    start = lineEnd + 1;
  }
}

export function documentCount(payload: Buffer): number {
  return (payload.readUInt32LE(0) & ~BULK_LINES) >>> 0;
}

/** Whether `payload` matches the CRC of its header. */
export function payloadIntact(header: Buffer, payload: Buffer): boolean {
  return header.readUInt32LE(4) === crc32(payload);
}
