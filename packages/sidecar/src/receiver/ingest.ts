import { OtlpDecodeError } from '@elkhound/otlp';
import { QueueFullError, type DurableQueue } from '../queue/durable-queue';
import { errorFields, type Logger } from '../log';
import type { SelfMetrics } from '../self-metrics';
import type { SignalHandler } from './signals';

/** What became of one request, whatever the transport; each transport turns it into its answer. */
export type IngestResult =
  | { kind: 'accepted'; items: number; rejected: number; rejectedMessage: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'full'; retryAfterSeconds: number }
  | { kind: 'unavailable'; message: string; retryAfterSeconds: number };

/**
 * Decode, map, then queue: the mapping happens before the answer so a body that does not decode
 * is a 400 now, not a dead letter later, and the queue holds ready bulk documents.
 */
export class Ingest {
  constructor(
    private readonly queue: DurableQueue,
    private readonly metrics: SelfMetrics,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  async accept(
    signal: SignalHandler,
    body: Buffer,
    format: 'protobuf' | 'json',
  ): Promise<IngestResult> {
    if (this.queue.isClosed) {
      return { kind: 'unavailable', message: 'the sidecar is shutting down', retryAfterSeconds: 5 };
    }
    // Cheap refusal before any decoding work when the budget is already spent.
    if (!this.queue.hasRoomFor(body.length)) return { kind: 'full', retryAfterSeconds: 5 };
    let mapped: ReturnType<SignalHandler['documents']>;
    try {
      mapped = signal.documents(body, format, this.namespace);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return { kind: 'invalid', message: error.message };
      // Anything else the decoders or the mapping throw was still caused by this body.
      this.logger.debug('request could not be mapped', errorFields(error));
      return {
        kind: 'invalid',
        message: `the ${signal.name} request could not be read: ${(error as Error)?.message ?? String(error)}`,
      };
    }
    // Nothing left to accept: the request as a whole is invalid (400 / INVALID_ARGUMENT), not a
    // partial success of nothing.
    if (mapped.rejections.count > 0 && mapped.items === 0)
      return { kind: 'invalid', message: mapped.rejections.message };
    if (mapped.rejections.count > 0)
      this.logger.warn('items of a request rejected (partial success)', {
        'elkhound.signal': signal.name,
        'elkhound.rejected': mapped.rejections.count,
        'error.message': mapped.rejections.message,
      });
    try {
      await this.queue.append(mapped.documents);
    } catch (error) {
      if (error instanceof QueueFullError)
        return { kind: 'full', retryAfterSeconds: error.retryAfterSeconds };
      this.logger.error('could not write to the queue', errorFields(error));
      return { kind: 'unavailable', message: 'the queue cannot be written', retryAfterSeconds: 5 };
    }
    if (signal.name === 'traces') this.metrics.receivedSpans += mapped.items;
    else if (signal.name === 'logs') this.metrics.receivedLogRecords += mapped.items;
    else this.metrics.receivedMetricPoints += mapped.items;
    return {
      kind: 'accepted',
      items: mapped.items,
      rejected: mapped.rejections.count,
      rejectedMessage: mapped.rejections.message,
    };
  }
}
