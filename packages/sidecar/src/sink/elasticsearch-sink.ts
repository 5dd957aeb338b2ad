import type { EcsDocument } from '@elkhound/ecs';
import {
  BulkWriter,
  ElasticsearchTransport,
  setupElasticsearch,
  type ElasticsearchConnectionOptions,
} from '@elkhound/exporter-elasticsearch';
import type { SidecarConfig } from '../config';
import type { DeadLetterQueue } from '../dlq/dead-letter-queue';
import type { Logger } from '../log';
import type { Sink } from './sink';

export interface ElasticsearchSinkOptions {
  connection: ElasticsearchConnectionOptions;
  deadLetters: DeadLetterQueue;
  logger: Logger;
  setupOnStart: boolean;
  retention: string;
  flushBytes: number;
  concurrency: number;
  gzip: boolean;
  retryMaxDelayMs: number;
}

/**
 * The bulk writer with a retry policy without end: while Elasticsearch is down or answers
 * 429/5xx the documents stay in flight (and in the queue), and `send` resolves only once each is
 * acknowledged or, refused for good, written to the dead-letter queue.
 */
export class ElasticsearchSink implements Sink {
  readonly kind = 'elasticsearch';
  private readonly writer: BulkWriter;
  private readonly probe: ElasticsearchTransport;
  private lastRetryLog = 0;
  private lastUnauthorizedLog = 0;
  private lastUnauthorized: string | undefined;

  /** The sink the sidecar's and `elkhound consume`'s configuration describes. */
  static fromConfig(
    config: SidecarConfig,
    connection: NonNullable<SidecarConfig['elasticsearch']>,
    deadLetters: DeadLetterQueue,
    logger: Logger,
  ): ElasticsearchSink {
    return new ElasticsearchSink({
      connection,
      deadLetters,
      logger,
      setupOnStart: config.setupOnStart,
      retention: config.retention,
      flushBytes: config.bulkFlushBytes,
      concurrency: config.bulkConcurrency,
      gzip: config.bulkGzip,
      retryMaxDelayMs: config.retryMaxDelayMs,
    });
  }

  constructor(private readonly options: ElasticsearchSinkOptions) {
    this.writer = new BulkWriter({
      connection: options.connection,
      flushBytes: options.flushBytes,
      concurrency: options.concurrency,
      gzip: options.gzip,
      retry: {
        maxRetries: Infinity,
        maxElapsedMs: Infinity,
        initialDelayMs: 100,
        maxDelayMs: options.retryMaxDelayMs,
      },
      onRejected: (rejected) => {
        options.deadLetters.appendRejected(rejected);
        for (const entry of rejected.slice(0, 3)) {
          options.logger.warn(
            'Elasticsearch rejected a document: written to the dead-letter queue',
            {
              'data_stream.name': entry.document.dataStream,
              'elkhound.document.id': entry.document.id,
              'http.response.status_code': entry.status,
              'error.type': entry.errorType,
              'error.message': entry.reason,
              'elkhound.hint': entry.hint,
            },
          );
        }
      },
      onRetry: (event) => {
        // At most one line every 10 s: an outage of minutes must not flood the log.
        const now = Date.now();
        if (now - this.lastRetryLog < 10_000) return;
        this.lastRetryLog = now;
        options.logger.warn('Elasticsearch not accepting documents yet; retrying', {
          'elkhound.retry.documents': event.documents,
          'elkhound.retry.attempt': event.attempt,
          'elkhound.retry.delay_ms': event.delayMs,
          'error.message': event.cause,
        });
      },
      onUnauthorized: (problem) => {
        // An error, not a warning: nothing is lost, but nothing is written until a person acts.
        // Logged when it changes and otherwise once a minute.
        const now = Date.now();
        if (problem === this.lastUnauthorized && now - this.lastUnauthorizedLog < 60_000) return;
        this.lastUnauthorized = problem;
        this.lastUnauthorizedLog = now;
        options.logger.error('Elasticsearch refuses to write with these credentials', {
          'error.message': problem,
        });
      },
    });
    this.probe = new ElasticsearchTransport({ ...options.connection, requestTimeoutMs: 5_000 });
  }

  async start(): Promise<void> {
    if (!this.options.setupOnStart) return;
    const result = await setupElasticsearch(this.options.connection, {
      retention: this.options.retention,
    });
    this.options.logger.info('Elasticsearch templates and lifecycle checked', {
      'elkhound.setup.installed': result.installed,
      'elkhound.setup.current': result.current.length,
      'elkhound.setup.ilm': result.ilm,
    });
  }

  async send(documents: readonly EcsDocument[], signal: AbortSignal): Promise<void> {
    const outcome = await this.writer.send(documents, { signal });
    if (outcome.unsent.length > 0) {
      // Cannot happen with an endless retry policy; if it ever does, keep the batch queued.
      throw new Error(`${outcome.unsent.length} documents left unsent`);
    }
  }

  async notReadyReason(): Promise<string | undefined> {
    const problem = this.writer.authorizationProblem;
    if (problem) return problem;
    try {
      const response = await this.probe.request({ method: 'GET', path: '/_cluster/health' });
      // 403: reachable and authenticated; a key that may only write lacks the monitor privilege.
      if (response.status === 200 || response.status === 403) return undefined;
      if (response.status === 401) {
        return `Elasticsearch refused the credentials (401): ${(JSON.stringify(response.body) ?? '').slice(0, 300)}`;
      }
      return `Elasticsearch answered ${response.status} to GET /_cluster/health`;
    } catch (error) {
      return `Elasticsearch not reachable: ${(error as Error).message}`;
    }
  }

  counters(): Record<'indexed' | 'duplicates' | 'retried' | 'rejected', number> {
    const stats = this.writer.stats;
    return {
      indexed: stats.indexed,
      duplicates: stats.duplicates,
      retried: stats.retried,
      rejected: stats.rejected,
    };
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.probe.close();
  }
}
