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
export function inflateWithinBudget(
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
      // Joining copies: the copy is charged while the parts still exist, then the parts' share
      // is given back.
      if (!reservation.grow(total)) {
        dropParts();
        return settle({ kind: 'busy' });
      }
      const body = Buffer.concat(parts, total);
      dropParts();
      settle({ kind: 'inflated', body });
    });
    inflater.on('error', (error) => {
      dropParts();
      settle({ kind: 'corrupt', message: `not valid ${compression}: ${error.message}` });
    });
    inflater.end(compressed);
  });
}
