import { crc32 } from 'node:zlib';
import { sourceByteLength, writeSource, type EcsDocument } from '@elkhound/ecs';

// One queue record holds the documents of one request:
//   [u32 payload length][u32 CRC32 of payload] payload = [u32 document count][UTF-8 lines]
// each line `id \t dataStream \t source \n`. Ids and data stream names never hold a tab or a
// newline, and `source` is one line of JSON (its newlines are escaped), so no quoting is needed.
// The length + CRC frame lets recovery find the end of the last whole record after a crash.

export const HEADER_BYTES = 8;
/** A record longer than this is corruption, not data (no request decodes to that much). */
export const MAX_RECORD_BYTES = 1024 ** 3;

/**
 * Written into one buffer sized up front, each document's source by `writeSource` (its group's
 * shared tail encoded once), rather than as one string of the whole record to flatten and encode.
 */
export function encodeRecord(documents: readonly EcsDocument[]): Buffer {
  let textBytes = 0;
  for (let index = 0; index < documents.length; index++) {
    const document = documents[index] as EcsDocument;
    textBytes +=
      Buffer.byteLength(document.id, 'utf8') +
      Buffer.byteLength(document.dataStream, 'utf8') +
      sourceByteLength(document) +
      3;
  }
  const record = Buffer.allocUnsafe(HEADER_BYTES + 4 + textBytes);
  record.writeUInt32LE(documents.length, HEADER_BYTES);
  let offset = HEADER_BYTES + 4;
  for (let index = 0; index < documents.length; index++) {
    const document = documents[index] as EcsDocument;
    offset += record.write(document.id, offset, 'utf8');
    record[offset++] = 0x09;
    offset += record.write(document.dataStream, offset, 'utf8');
    record[offset++] = 0x09;
    offset += writeSource(record, offset, document);
    record[offset++] = 0x0a;
  }
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
