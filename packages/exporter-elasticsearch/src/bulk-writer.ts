import type { EcsDocument } from '@elkhound/ecs';
import { bulkBody, gzipBody, splitByBytes } from './bulk-request';
import {
  hintFor,
  isRetryableStatus,
  parseBulkResponse,
  type RejectedDocument,
} from './bulk-response';
import type { ElasticsearchConnectionOptions } from './connection';
import {
  backoffDelay,
  defaultRetryPolicy,
  parseRetryAfter,
  sleep,
  type RetryPolicy,
} from './retry';
import { HttpTransport, TransportError } from './transport';

/**
 * The bulk writer the SDK exporters and the sidecar share.
 *
 * `send(documents)` resolves once EVERY document is settled: acknowledged (201, or 409 — already
 * there, a replay), rejected for good (400, mapping errors: reported with Elasticsearch's reason
 * and a hint, and handed to `onRejected`), or — only when the retry policy is finite — given up
 * after retries (`unsent`). Only what can still succeed is retried: a 429/5xx item, or the whole
 * request after a 429/5xx answer, a timeout or a network error. The sidecar removes a queue
 * segment only after `send` resolved with nothing unsent.
 */
export interface BulkWriterOptions {
  connection: ElasticsearchConnectionOptions;
  /** Largest uncompressed bulk body; default 5 MiB. */
  flushBytes?: number;
  /** Bulk requests in flight at once, across all `send` calls; default 2. */
  concurrency?: number;
  /** Gzip request bodies; default true. */
  gzip?: boolean;
  retry?: Partial<RetryPolicy>;
  onRejected?: (rejected: RejectedDocument[]) => void;
  onRetry?: (event: { documents: number; attempt: number; delayMs: number; cause: string }) => void;
}

export interface BulkOutcome {
  acknowledged: number;
  duplicates: number;
  rejected: RejectedDocument[];
  /** Documents still retryable when a finite retry policy ran out; empty with `Infinity`. */
  unsent: EcsDocument[];
}

export interface BulkWriterStats {
  bulkRequests: number;
  indexed: number;
  duplicates: number;
  retried: number;
  rejected: number;
  unsent: number;
}

export class BulkWriter {
  readonly stats: BulkWriterStats = {
    bulkRequests: 0,
    indexed: 0,
    duplicates: 0,
    retried: 0,
    rejected: 0,
    unsent: 0,
  };
  private readonly transport: HttpTransport;
  private readonly policy: RetryPolicy;
  private readonly flushBytes: number;
  private readonly gzip: boolean;
  private readonly concurrency: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: BulkWriterOptions) {
    this.transport = new HttpTransport(options.connection);
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.flushBytes = options.flushBytes ?? 5 * 1024 * 1024;
    this.gzip = options.gzip ?? true;
    this.concurrency = options.concurrency ?? 2;
    if (!(this.flushBytes >= 1024))
      throw new Error(`flushBytes: ${this.flushBytes} is below 1024 bytes`);
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) {
      throw new Error(`concurrency: ${this.concurrency} is not a positive integer`);
    }
  }

  async send(
    documents: readonly EcsDocument[],
    options: { signal?: AbortSignal } = {},
  ): Promise<BulkOutcome> {
    if (this.closed) throw new Error('the bulk writer is closed');
    const outcome: BulkOutcome = { acknowledged: 0, duplicates: 0, rejected: [], unsent: [] };
    if (documents.length === 0) return outcome;
    await Promise.all(
      splitByBytes(documents, this.flushBytes).map((batch) =>
        this.withSlot(() => this.sendBatch(batch, outcome, options.signal)),
      ),
    );
    if (outcome.rejected.length > 0) this.options.onRejected?.(outcome.rejected);
    return outcome;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }

  private async sendBatch(
    batch: EcsDocument[],
    outcome: BulkOutcome,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const started = Date.now();
    let pending = batch;
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      let cause: string;
      try {
        const body = bulkBody(pending);
        const headers: Record<string, string> = {
          'content-type': 'application/x-ndjson',
          accept: 'application/json',
        };
        this.stats.bulkRequests++;
        const response = await this.transport.request({
          method: 'POST',
          path: '/_bulk',
          body: this.gzip ? gzipBody(body) : body,
          headers: this.gzip ? { ...headers, 'content-encoding': 'gzip' } : headers,
          signal,
        });
        if (response.status === 200) {
          const outcomes = parseBulkResponse(response.body, pending.length);
          const retry: EcsDocument[] = [];
          for (let index = 0; index < pending.length; index++) {
            const document = pending[index] as EcsDocument;
            const item = outcomes[index];
            if (!item) continue;
            if (item.kind === 'created') {
              outcome.acknowledged++;
              this.stats.indexed++;
            } else if (item.kind === 'duplicate') {
              outcome.acknowledged++;
              outcome.duplicates++;
              this.stats.duplicates++;
            } else if (item.kind === 'retryable') {
              retry.push(document);
            } else {
              this.stats.rejected++;
              outcome.rejected.push({
                document,
                status: item.status,
                errorType: item.errorType,
                reason: item.reason,
                hint: hintFor(item.errorType, item.reason),
              });
            }
          }
          if (retry.length === 0) return;
          pending = retry;
          cause = `${retry.length} document(s) answered 429/5xx`;
          retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        } else if (isRetryableStatus(response.status)) {
          cause = `bulk request answered ${response.status}`;
          retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        } else {
          // The whole request refused for good (400 on the request itself, 401, 403, 413...).
          const reason = response.body.toString('utf8').slice(0, 2000);
          for (const document of pending) {
            this.stats.rejected++;
            outcome.rejected.push({
              document,
              status: response.status,
              errorType: `http_${response.status}`,
              reason,
              hint:
                response.status === 401 || response.status === 403
                  ? 'check ELASTICSEARCH_API_KEY / ELASTICSEARCH_USERNAME and the privileges on the data streams'
                  : response.status === 413
                    ? 'the bulk request is larger than http.max_content_length: lower flushBytes'
                    : hintFor(`http_${response.status}`, reason),
            });
          }
          return;
        }
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!(error instanceof TransportError)) throw error;
        cause = `network: ${error.message}`;
      }
      const elapsed = Date.now() - started;
      if (attempt >= this.policy.maxRetries || elapsed >= this.policy.maxElapsedMs) {
        outcome.unsent.push(...pending);
        this.stats.unsent += pending.length;
        return;
      }
      const delayMs = backoffDelay(this.policy, attempt, retryAfterMs);
      this.stats.retried += pending.length;
      this.options.onRetry?.({ documents: pending.length, attempt: attempt + 1, delayMs, cause });
      await sleep(delayMs, signal);
    }
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
