import { errorFields, type Logger } from '../log';
import type { SelfMetrics } from '../self-metrics';
import type { Sink } from '../sink/sink';
import type { DurableQueue, QueueBatch } from './durable-queue';
import { pause } from '../pause';

export interface ConsumerOptions {
  /** Bytes of queue records read per batch (about one bulk request). */
  batchBytes: number;
  /** Batches being sent at once; their commits still happen in queue order. */
  inFlight: number;
}

interface InFlightBatch {
  batch: QueueBatch;
  done: boolean;
}

/**
 * Moves documents from the queue to the sink: reads batches in order, sends several at once,
 * and commits each only when it and every batch before it have settled, so the persisted cursor
 * never passes a document the sink has not acknowledged (or dead-lettered).
 */
export class QueueConsumer {
  private readonly inFlight: InFlightBatch[] = [];
  private readonly abort = new AbortController();
  private draining = false;
  private running: Promise<void> | undefined;
  private committing: Promise<void> = Promise.resolve();
  private slotFreed: (() => void) | undefined;

  constructor(
    private readonly queue: DurableQueue,
    private readonly sink: Sink,
    private readonly metrics: SelfMetrics,
    private readonly logger: Logger,
    private readonly options: ConsumerOptions,
  ) {}

  start(): void {
    // An abort must also wake a loop waiting for a free slot or for data.
    this.abort.signal.addEventListener('abort', () => {
      const freed = this.slotFreed;
      this.slotFreed = undefined;
      freed?.();
      this.queue.notify();
    });
    this.running ??= this.run().catch((error: unknown) => {
      if (!this.abort.signal.aborted)
        this.logger.error('queue consumer stopped', errorFields(error));
    });
  }

  /**
   * Sends what is left in the queue for at most `timeoutMs`, then abandons what is in flight:
   * it stays in the queue for the next start.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.queue.notify();
    this.slotFreed?.();
    if (!this.running) return;
    const timer = setTimeout(() => this.abort.abort(new Error('shutdown timeout')), timeoutMs);
    try {
      await this.running;
      await this.committing;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    const pending = new Set<Promise<void>>();
    while (!this.abort.signal.aborted) {
      while (this.inFlight.length >= this.options.inFlight && !this.abort.signal.aborted) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
      }
      if (this.abort.signal.aborted) break;
      const batch = await this.queue.next(this.options.batchBytes, () => this.draining);
      if (!batch) break;
      const entry: InFlightBatch = { batch, done: false };
      this.inFlight.push(entry);
      const work = this.send(batch).then(() => {
        entry.done = true;
        this.commitSettled();
      });
      pending.add(work);
      void work.finally(() => pending.delete(work)).catch(() => undefined);
    }
    await Promise.allSettled(pending);
  }

  private async send(batch: QueueBatch): Promise<void> {
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sink.send(batch.documents, this.abort.signal);
        this.metrics.bulkLatency.observe((performance.now() - started) / 1000);
        return;
      } catch (error) {
        if (this.abort.signal.aborted) throw error;
        // The bulk writer retries Elasticsearch without end by itself; this is for the rest (a
        // full disk under the file sink, a bug): keep the batch and try again later.
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        this.logger.warn('sending a queue batch failed; will retry', {
          ...errorFields(error),
          'elkhound.retry.delay_ms': delay,
        });
        await pause(delay, this.abort.signal);
        if (this.abort.signal.aborted) throw error;
      }
    }
  }

  /** Commits the settled batches at the head of the line, one commit at a time. */
  private commitSettled(): void {
    this.committing = this.committing.then(async () => {
      while (this.inFlight.length > 0 && (this.inFlight[0] as InFlightBatch).done) {
        const entry = this.inFlight.shift() as InFlightBatch;
        try {
          await this.queue.commit(entry.batch);
        } catch (error) {
          this.logger.error('could not persist the queue cursor', errorFields(error));
        }
      }
      const freed = this.slotFreed;
      this.slotFreed = undefined;
      freed?.();
    });
  }
}
