import { crc32 } from 'node:zlib';
import type { EcsDocument } from '@elkhound/ecs';

// One queue record holds the documents of one request:
//   [u32 payload length][u32 CRC32 of payload] payload = [u32 document count][UTF-8 lines]
// each line `id \t dataStream \t source \n`. Ids and data stream names never hold a tab or a
// newline, and `source` is one line of JSON (its newlines are escaped), so no quoting is needed.
// The length + CRC frame lets recovery find the end of the last whole record after a crash.

export const HEADER_BYTES = 8;
/** A record longer than this is corruption, not data (no request decodes to that much). */
export const MAX_RECORD_BYTES = 1024 ** 3;

export function encodeRecord(documents: readonly EcsDocument[]): Buffer {
  let text = '';
  for (let index = 0; index < documents.length; index++) {
    const document = documents[index] as EcsDocument;
    text += document.id + '\t' + document.dataStream + '\t' + document.source + '\n';
  }
  const textBytes = Buffer.byteLength(text, 'utf8');
  const record = Buffer.allocUnsafe(HEADER_BYTES + 4 + textBytes);
  record.writeUInt32LE(documents.length, HEADER_BYTES);
  record.write(text, HEADER_BYTES + 4, 'utf8');
  record.writeUInt32LE(4 + textBytes, 0);
  record.writeUInt32LE(crc32(record.subarray(HEADER_BYTES)), 4);
  return record;
}

/** The documents of a record payload (the bytes after the header). */
export function decodeDocuments(payload: Buffer, into: EcsDocument[]): void {
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
  return payload.readUInt32LE(0);
}

/** Whether `payload` matches the CRC of its header. */
export function payloadIntact(header: Buffer, payload: Buffer): boolean {
  return header.readUInt32LE(4) === crc32(payload);
}
