import type { EcsDocument } from './types';

// A document's source as UTF-8 bytes, for whoever writes documents into a buffer (the bulk body,
// the sidecar's queue records). A document from the encoders is its head and the tail its group
// shares: the tail is encoded once per group and its bytes copied, the head encoded per document.

let lastTail = '';
let lastTailBytes = Buffer.alloc(0);

function tailBytes(tail: string): Buffer {
  if (tail !== lastTail) {
    lastTailBytes = Buffer.from(tail, 'utf8');
    lastTail = tail;
  }
  return lastTailBytes;
}

/** The UTF-8 length of `document.source`. */
export function sourceByteLength(document: EcsDocument): number {
  const tail = document.tail;
  return tail === undefined
    ? Buffer.byteLength(document.source, 'utf8')
    : Buffer.byteLength(document.head as string, 'utf8') + tailBytes(tail).length;
}

/** Writes `document.source` as UTF-8 at `offset` (the caller made room); returns the bytes written. */
export function writeSource(target: Buffer, offset: number, document: EcsDocument): number {
  const tail = document.tail;
  if (tail === undefined) return target.write(document.source, offset, 'utf8');
  const written = target.write(document.head as string, offset, 'utf8');
  const bytes = tailBytes(tail);
  target.set(bytes, offset + written);
  return written + bytes.length;
}
