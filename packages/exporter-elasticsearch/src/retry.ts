/** How long to wait before retrying: exponential backoff with full jitter, capped. */
export interface RetryPolicy {
  /** Attempts after the first; `Infinity` retries without limit (the sidecar). Default 8. */
  maxRetries: number;
  /** Give up after this long since the first attempt; `Infinity` for no limit. Default 5 min. */
  maxElapsedMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 8,
  maxElapsedMs: 5 * 60_000,
  initialDelayMs: 100,
  maxDelayMs: 30_000,
};

export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  // Retry-After is the server's word: never come back sooner, but do not wait past the cap.
  return retryAfterMs !== undefined
    ? Math.min(Math.max(jittered, retryAfterMs), policy.maxDelayMs)
    : jittered;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
