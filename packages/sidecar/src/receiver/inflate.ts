import { createGunzip, createInflate } from 'node:zlib';
import type { Reservation } from './budget';

export type Compression = 'gzip' | 'deflate';

/** What became of a compressed body; each transport turns it into its answer. */
export type Inflated =
  | { kind: 'inflated'; body: Buffer }
  /** More than the per-request limit once inflated: the same body will never fit (413). */
  | { kind: 'too-large'; limit: number }
  /** Within the limit, but the shared budget had no room for it now (503, retry). */
  | { kind: 'busy' }
  | { kind: 'corrupt'; message: string };

/**
 * Inflates a request body as a stream, taking each chunk of output from the request's share of
 * the in-flight budget as it is produced, so that concurrent gzip bombs hold at most the budget
 * between them (inflating the whole body first and charging it afterwards let 16 concurrent
 * bombs raise the RSS past 1 GiB).
 *
 * It stops as soon as the output passes `limit`: too large. When the budget runs out first, the
 * output so far is dropped and given back, and inflation goes on discarding, only counting, up
 * to the limit: a body over the limit is then still told it is too large (a client must not
 * retry it), one within it that it is busy (a client should retry it later). Counting costs CPU,
 * at most `limit` bytes of inflation, never memory.
 */
export async function inflateWithinBudget(
  compressed: Buffer,
  compression: Compression,
  limit: number,
  reservation: Reservation,
): Promise<Inflated> {
  await inflating.acquire();
  try {
    return await inflate(compressed, compression, limit, reservation);
  } finally {
    inflating.release();
  }
}

/**
 * Bodies inflated at once. The budget bounds the bytes requests hold; what it cannot bound is
 * the garbage inflation leaves (zlib's output chunks, dropped once joined or refused) until V8
 * collects it, which grows with the bodies inflating side by side: 16 concurrent bombs peaked at
 * ~580 MiB with the budget alone. Two at once keep both cores of a small host busy.
 */
const INFLATING_AT_ONCE = 2;

class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(count: number) {
    this.free = count;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const inflating = new Slots(INFLATING_AT_ONCE);

function inflate(
  compressed: Buffer,
  compression: Compression,
  limit: number,
  reservation: Reservation,
): Promise<Inflated> {
  return new Promise<Inflated>((resolve) => {
    const inflater = compression === 'gzip' ? createGunzip() : createInflate();
    let parts: Buffer[] = [];
    let held = 0;
    let total = 0;
    let counting = false;
    let settled = false;
    const settle = (result: Inflated): void => {
      if (settled) return;
      settled = true;
      inflater.removeAllListeners('data');
      inflater.destroy();
      resolve(result);
    };
    const dropParts = (): void => {
      parts = [];
      reservation.shrink(held);
    };
    inflater.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        dropParts();
        return settle({ kind: 'too-large', limit });
      }
      if (counting) return;
      if (!reservation.grow(chunk.length)) {
        counting = true;
        return dropParts();
      }
      held += chunk.length;
      parts.push(chunk);
    });
    inflater.on('end', () => {
      if (counting) return settle({ kind: 'busy' });
      if (parts.length === 1) return settle({ kind: 'inflated', body: parts[0] as Buffer });
      // Joining copies: the parts are garbage as soon as the copy is made (synchronously), so
      // the body is charged once (charging it twice would refuse a body of half the budget).
      const body = Buffer.concat(parts, total);
      parts = [];
      settle({ kind: 'inflated', body });
    });
    inflater.on('error', (error) => {
      dropParts();
      settle({ kind: 'corrupt', message: `not valid ${compression}: ${error.message}` });
    });
    inflater.end(compressed);
  });
}
