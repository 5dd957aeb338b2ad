import type { EcsDocument } from '@elkhound/ecs';
import { bodyBytes, bulkBody, gzipBody, splitByBytes, type BulkBatch } from './bulk-request';
import {
  authorizationProblem,
  hintFor,
  isAuthorizationStatus,
  isRetryableStatus,
  parseBulkResponse,
  type RejectedDocument,
} from './bulk-response';
import {
  isLoopbackConnection,
  validateConnection,
  type ElasticsearchConnectionOptions,
} from './connection';
import {
  backoffDelay,
  defaultRetryPolicy,
  parseRetryAfter,
  sleep,
  type RetryPolicy,
} from './retry';
import { ElasticsearchTransport, TransportError } from './transport';

/**
 * The bulk writer the SDK exporters and the sidecar share.
 *
 * - `send(documents)` resolves once EVERY document is settled: acknowledged (201, or 409 —
 *   already there, a replay), rejected for good (400, mapping errors: reported with
 *   Elasticsearch's reason and a hint, and handed to `onRejected`), or — only when the retry
 *   policy is finite — given up after retries (`unsent`). The sidecar removes a queue segment
 *   only after `send` resolved with nothing unsent.
 * - `add(documents)` is the session form: documents are buffered and sent together when
 *   `flushBytes` is reached or `flushIntervalMs` passed (or on `flush()` / `close()`); the
 *   promise resolves with the outcome of the documents of that call.
 * - `close()` flushes what was added, waits for what is in flight and closes the connections;
 *   it is idempotent.
 *
 * Only what can still succeed is retried: a 429/5xx item, or the whole request after a 429/5xx
 * answer, a timeout or a network error. At most `concurrency` bulk requests are in flight across
 * all calls.
 */
export interface BulkWriterOptions {
  connection: ElasticsearchConnectionOptions;
  /** Largest uncompressed bulk body; default 5 MiB (Elasticsearch's advice: 5–15 MB). */
  flushBytes?: number;
  /** `add()`: send buffered documents at the latest this long after the first; default 1000. */
  flushIntervalMs?: number;
  /** Bulk requests in flight at once, across all calls; default 2. */
  concurrency?: number;
  /**
   * Gzip request bodies; default true, but false for a cluster on loopback, where compressing
   * saves no bandwidth and costs CPU on both sides.
   */
  gzip?: boolean;
  retry?: Partial<RetryPolicy>;
  /**
   * Called once per bulk request that had permanent rejections, before its `send`/`add`
   * resolves (the sidecar writes its dead-letter queue here); an exception rejects that call.
   */
  onRejected?: (rejected: RejectedDocument[]) => void;
  onRetry?: (event: { documents: number; attempt: number; delayMs: number; cause: string }) => void;
  /**
   * Called on each 401/403 (of the request, or of documents in it) with a message that names
   * the missing privilege and the data stream. Those documents are retried like a 5xx — with a
   * finite policy they end up `unsent`, never rejected — so that a fixed key delivers them.
   */
  onUnauthorized?: (problem: string) => void;
  /** Aborts waits and requests of every call (e.g. the sidecar's shutdown). */
  signal?: AbortSignal;
}

export interface BulkOutcome {
  /** Created or already there (409). */
  acknowledged: number;
  /** Of `acknowledged`, those that were already there. */
  duplicates: number;
  rejected: RejectedDocument[];
  /** Documents still retryable when a finite retry policy ran out; empty with `Infinity`. */
  unsent: EcsDocument[];
}

export interface BulkWriterStats {
  bulkRequests: number;
  /** Created by Elasticsearch (201). */
  indexed: number;
  /** Answered 409: already there. */
  duplicates: number;
  /** Document attempts sent again. */
  retried: number;
  rejected: number;
  unsent: number;
  /** Uncompressed and sent (after gzip) body bytes. */
  bodyBytes: number;
  sentBytes: number;
}

/** A document and the outcome of the call it came with. */
interface Entry {
  document: EcsDocument;
  outcome: BulkOutcome;
}

interface PendingAdd {
  outcome: BulkOutcome;
  resolve: (outcome: BulkOutcome) => void;
  reject: (error: unknown) => void;
}

const newOutcome = (): BulkOutcome => ({
  acknowledged: 0,
  duplicates: 0,
  rejected: [],
  unsent: [],
});

export class BulkWriter {
  readonly stats: BulkWriterStats = {
    bulkRequests: 0,
    indexed: 0,
    duplicates: 0,
    retried: 0,
    rejected: 0,
    unsent: 0,
    bodyBytes: 0,
    sentBytes: 0,
  };
  /**
   * The last 401/403 problem, until a document is acknowledged again: the sidecar's /readyz
   * reports it.
   */
  authorizationProblem: string | undefined;
  private readonly transport: ElasticsearchTransport;
  private readonly policy: RetryPolicy;
  private readonly flushBytes: number;
  private readonly flushIntervalMs: number;
  private readonly gzip: boolean;
  private readonly concurrency: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly running = new Set<Promise<unknown>>();
  // add(): buffered documents, their callers and the byte size of their bodies.
  private buffered: Entry[] = [];
  private bufferedCalls: PendingAdd[] = [];
  private bufferedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BulkWriterOptions) {
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.flushBytes = options.flushBytes ?? 5 * 1024 * 1024;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.gzip = options.gzip ?? !isLoopbackConnection(validateConnection(options.connection));
    this.concurrency = options.concurrency ?? 2;
    if (!(Number.isFinite(this.flushBytes) && this.flushBytes >= 1024)) {
      throw new RangeError(`flushBytes: ${this.flushBytes} is not a number of bytes ≥ 1024`);
    }
    if (!(Number.isFinite(this.flushIntervalMs) && this.flushIntervalMs >= 0)) {
      throw new RangeError(`flushIntervalMs: ${this.flushIntervalMs} is not a duration ≥ 0 ms`);
    }
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) {
      throw new RangeError(`concurrency: ${this.concurrency} is not a positive integer`);
    }
    for (const key of ['maxRetries', 'maxElapsedMs', 'initialDelayMs', 'maxDelayMs'] as const) {
      const value = this.policy[key];
      if (!(typeof value === 'number' && value >= 0)) {
        throw new RangeError(
          `retry.${key}: ${String(value)} is not a number ≥ 0 (Infinity allowed)`,
        );
      }
    }
    this.transport = new ElasticsearchTransport(options.connection);
  }

  send(
    documents: readonly EcsDocument[],
    options: { signal?: AbortSignal } = {},
  ): Promise<BulkOutcome> {
    if (this.closing) return Promise.reject(new Error('the bulk writer is closed'));
    const outcome = newOutcome();
    if (documents.length === 0) return Promise.resolve(outcome);
    const entries: Entry[] = new Array<Entry>(documents.length);
    for (let index = 0; index < documents.length; index++) {
      entries[index] = { document: documents[index] as EcsDocument, outcome };
    }
    return this.track(
      this.sendEntries(entries, this.signalFor(options.signal)).then(() => outcome),
    );
  }

  add(documents: readonly EcsDocument[]): Promise<BulkOutcome> {
    if (this.closing) return Promise.reject(new Error('the bulk writer is closed'));
    const outcome = newOutcome();
    if (documents.length === 0) return Promise.resolve(outcome);
    return new Promise<BulkOutcome>((resolve, reject) => {
      for (let index = 0; index < documents.length; index++) {
        this.buffered.push({ document: documents[index] as EcsDocument, outcome });
      }
      this.bufferedBytes += bodyBytes(documents);
      this.bufferedCalls.push({ outcome, resolve, reject });
      if (this.bufferedBytes >= this.flushBytes) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
    });
  }

  /** Sends what `add()` buffered and waits until every call so far has settled. */
  async flush(): Promise<void> {
    this.sendBuffered();
    await Promise.allSettled(this.running);
  }

  close(): Promise<void> {
    this.closing ??= this.flush().finally(() => this.transport.close());
    return this.closing;
  }

  private sendBuffered(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffered.length === 0) return;
    const entries = this.buffered;
    const calls = this.bufferedCalls;
    this.buffered = [];
    this.bufferedCalls = [];
    this.bufferedBytes = 0;
    void this.track(
      this.sendEntries(entries, this.options.signal).then(
        () => {
          for (const call of calls) call.resolve(call.outcome);
        },
        (error: unknown) => {
          for (const call of calls) call.reject(error);
        },
      ),
    );
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.then(
      () => this.running.delete(work),
      () => this.running.delete(work),
    );
    return work;
  }

  private signalFor(signal: AbortSignal | undefined): AbortSignal | undefined {
    if (!signal) return this.options.signal;
    return this.options.signal ? AbortSignal.any([signal, this.options.signal]) : signal;
  }

  private async sendEntries(entries: Entry[], signal: AbortSignal | undefined): Promise<void> {
    // Batches are cut over the documents; the entries follow in the same order.
    const batches = splitByBytes(
      entries.map((entry) => entry.document),
      this.flushBytes,
    );
    let start = 0;
    await Promise.all(
      batches.map((batch) => {
        const batchEntries = entries.slice(start, start + batch.documents.length);
        start += batch.documents.length;
        return this.withSlot(() => this.sendBatch(batchEntries, batch, signal));
      }),
    );
  }

  private async sendBatch(
    entries: Entry[],
    firstBatch: BulkBatch,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const started = Date.now();
    let pending = entries;
    let batch = firstBatch;
    let batchOf = entries;
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      let cause: string;
      try {
        const body = bulkBody(batch.documents, batch.bytes);
        const sent = this.gzip ? await gzipBody(body) : body;
        this.stats.bulkRequests++;
        this.stats.bodyBytes += body.length;
        this.stats.sentBytes += sent.length;
        const response = await this.transport.request({
          method: 'POST',
          path: BULK_PATH,
          bulkBody: sent,
          headers: this.gzip ? GZIP_HEADERS : PLAIN_HEADERS,
          signal,
        });
        if (response.status === 200) {
          const outcomes = parseBulkResponse(response.body, pending.length);
          const retry: Entry[] = [];
          const rejected: RejectedDocument[] = [];
          let unauthorized: string | undefined;
          let acknowledged = false;
          for (let index = 0; index < pending.length; index++) {
            const entry = pending[index] as Entry;
            const item = outcomes[index];
            if (item === undefined) continue;
            if (item.kind === 'created') {
              entry.outcome.acknowledged++;
              this.stats.indexed++;
              acknowledged = true;
            } else if (item.kind === 'duplicate') {
              entry.outcome.acknowledged++;
              entry.outcome.duplicates++;
              this.stats.duplicates++;
              acknowledged = true;
            } else if (item.kind === 'retryable') {
              retry.push(entry);
            } else if (item.kind === 'unauthorized') {
              retry.push(entry);
              unauthorized ??= authorizationProblem(
                item.status,
                item.reason,
                entry.document.dataStream,
              );
            } else {
              const document: RejectedDocument = {
                document: entry.document,
                status: item.status,
                errorType: item.errorType,
                reason: item.reason,
                hint: hintFor(item.errorType, item.reason),
              };
              entry.outcome.rejected.push(document);
              rejected.push(document);
            }
          }
          this.reportRejected(rejected);
          if (unauthorized) this.reportUnauthorized(unauthorized);
          else if (acknowledged) this.authorizationProblem = undefined;
          if (retry.length === 0) return;
          pending = retry;
          cause = unauthorized ?? `${retry.length} document(s) answered 429/5xx`;
          retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        } else if (isAuthorizationStatus(response.status)) {
          // The credentials, not the documents: they wait for a fixed key (the sidecar keeps
          // them queued) rather than fill the dead-letter queue.
          cause = authorizationProblem(
            response.status,
            errorReason(response.body),
            dataStreamsOf(pending),
          );
          this.reportUnauthorized(cause);
        } else if (isRetryableStatus(response.status)) {
          cause = `bulk request answered ${response.status}`;
          retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        } else {
          this.rejectAll(pending, response.status, response.body);
          return;
        }
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!(error instanceof TransportError)) throw error;
        cause = `network: ${error.message}`;
      }
      const elapsed = Date.now() - started;
      if (attempt >= this.policy.maxRetries || elapsed >= this.policy.maxElapsedMs) {
        for (const entry of pending) entry.outcome.unsent.push(entry.document);
        this.stats.unsent += pending.length;
        return;
      }
      if (batchOf !== pending) {
        const documents = pending.map((entry) => entry.document);
        batch = { documents, bytes: bodyBytes(documents) };
        batchOf = pending;
      }
      const delayMs = backoffDelay(this.policy, attempt, retryAfterMs);
      this.stats.retried += pending.length;
      this.options.onRetry?.({ documents: pending.length, attempt: attempt + 1, delayMs, cause });
      await sleep(delayMs, signal);
    }
  }

  /** The whole request refused for good (a 400 on the request itself, 413...). */
  private rejectAll(pending: Entry[], status: number, body: unknown): void {
    const reason = (typeof body === 'string' ? body : (JSON.stringify(body) ?? '')).slice(0, 2000);
    const hint =
      status === 413
        ? 'the bulk request is larger than http.max_content_length: lower flushBytes'
        : hintFor(`http_${status}`, reason);
    const rejected: RejectedDocument[] = new Array<RejectedDocument>(pending.length);
    for (let index = 0; index < pending.length; index++) {
      const entry = pending[index] as Entry;
      const document = {
        document: entry.document,
        status,
        errorType: `http_${status}`,
        reason,
        hint,
      };
      entry.outcome.rejected.push(document);
      rejected[index] = document;
    }
    this.reportRejected(rejected);
  }

  private reportUnauthorized(problem: string): void {
    this.authorizationProblem = problem;
    this.options.onUnauthorized?.(problem);
  }

  private reportRejected(rejected: RejectedDocument[]): void {
    if (rejected.length === 0) return;
    this.stats.rejected += rejected.length;
    this.options.onRejected?.(rejected);
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    while (this.inFlight >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }
}

/** The data streams a request wrote to, for a message: the first three and how many more. */
function dataStreamsOf(entries: readonly Entry[]): string {
  const names = [...new Set(entries.map((entry) => entry.document.dataStream))];
  return names.length > 3
    ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`
    : names.join(', ');
}

/** Elasticsearch's `error.reason` (and its cause) of a failed request, else the body's start. */
function errorReason(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const error = (body as { error?: { reason?: string; caused_by?: { reason?: string } } }).error;
    const reason = [error?.reason, error?.caused_by?.reason].filter(Boolean).join(': ');
    if (reason) return reason;
  }
  // Not Elasticsearch's JSON: a proxy's page, say.
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  return text.slice(0, 500) || 'no reason given';
}

// Only what the outcome needs: a bulk answer otherwise repeats index, id, version, shards and
// sequence numbers for every document, several times the bytes to read and parse.
const BULK_PATH = '/_bulk?filter_path=errors,items.*.status,items.*.error';
const PLAIN_HEADERS = { 'content-type': 'application/x-ndjson', accept: 'application/json' };
const GZIP_HEADERS = { ...PLAIN_HEADERS, 'content-encoding': 'gzip' };
