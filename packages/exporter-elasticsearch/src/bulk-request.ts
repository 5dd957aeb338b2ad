import { gzipSync, constants as zlibConstants } from 'node:zlib';
import type { EcsDocument } from '@elkhound/ecs';

/**
 * The body of one `_bulk` request: a `create` action line and the pre-serialised source line per
 * document. `create` with a deterministic `_id` makes a retry or a replay a 409, never a copy.
 * The action line is built by concatenation: ids and data stream names are produced by
 * @elkhound/ecs from hex, digits and `[a-z0-9._-]`, so they need no JSON escaping — checked
 * here once per document, with JSON.stringify as the fallback.
 */
export function bulkBody(documents: readonly EcsDocument[]): Buffer {
  let text = '';
  for (const document of documents) {
    text += actionLine(document);
    text += document.source;
    text += '\n';
  }
  return Buffer.from(text, 'utf8');
}

const SAFE = /^[A-Za-z0-9._:-]*$/;

export function actionLine(document: EcsDocument): string {
  if (SAFE.test(document.id) && SAFE.test(document.dataStream)) {
    return `{"create":{"_index":"${document.dataStream}","_id":"${document.id}"}}\n`;
  }
  return `${JSON.stringify({ create: { _index: document.dataStream, _id: document.id } })}\n`;
}

/** Size in bytes a document adds to a bulk body (for batching by bytes). */
export function documentBytes(document: EcsDocument): number {
  // Action line overhead (~40 bytes) + id + index + source + newlines; UTF-8 length of source.
  return 40 + document.id.length + document.dataStream.length + Buffer.byteLength(document.source);
}

/** Gzip at a low level: bulk bodies compress ~10x even at level 1, and CPU is the scarcer resource. */
export function gzipBody(body: Buffer): Buffer {
  return gzipSync(body, { level: zlibConstants.Z_BEST_SPEED });
}

/** Splits documents into batches of at most `maxBytes` (a single larger document gets its own batch). */
export function splitByBytes(documents: readonly EcsDocument[], maxBytes: number): EcsDocument[][] {
  const batches: EcsDocument[][] = [];
  let current: EcsDocument[] = [];
  let size = 0;
  for (const document of documents) {
    const bytes = documentBytes(document);
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(document);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
