import type { EcsDocument } from './types';

// A document's source as UTF-8 bytes, for whoever writes documents into a buffer (the bulk body,
// the sidecar's queue records). A document from the encoders is its head and the tail its group
// shares: the tail is encoded once per group and its bytes copied, the head encoded per document.

// The tails met last: a span's documents and its events' (two data streams, two tails) alternate.
const RECENT_TAILS = 4;
const recentTails: string[] = new Array<string>(RECENT_TAILS).fill('');
const recentTailBytes: Buffer[] = new Array<Buffer>(RECENT_TAILS).fill(Buffer.alloc(0));
let nextTailSlot = 0;

function tailBytes(tail: string): Buffer {
  for (let index = 0; index < RECENT_TAILS; index++) {
    if (recentTails[index] === tail) return recentTailBytes[index] as Buffer;
  }
  const slot = nextTailSlot;
  nextTailSlot = (slot + 1) % RECENT_TAILS;
  const bytes = Buffer.from(tail, 'utf8');
  recentTails[slot] = tail;
  recentTailBytes[slot] = bytes;
  return bytes;
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
