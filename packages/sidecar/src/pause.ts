import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `milliseconds`, or less when `signal` aborts; never rejects. For the back-offs of the
 * retry loops (queue consumer, Kafka forwarder and consumer): Node's timer removes its abort
 * listener when it fires, where a hand-made `addEventListener('abort', …)` per wait would pile
 * one listener per retry onto a signal that lives as long as the process.
 */
export async function pause(milliseconds: number, signal: AbortSignal): Promise<void> {
  await sleep(milliseconds, undefined, { signal }).catch(() => undefined);
}
