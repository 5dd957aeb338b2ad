import type { EcsDocument } from '@elkhound/ecs';

/** Where documents leave the queue for. */
export interface Sink {
  readonly kind: 'elasticsearch' | 'file';
  /** Templates, directories: whatever must exist before the first document. */
  start(): Promise<void>;
  /**
   * Resolves once every document is settled for good: acknowledged, or (Elasticsearch)
   * dead-lettered. Rejects only when stopped by `signal`; the queue then keeps the documents.
   */
  send(documents: readonly EcsDocument[], signal: AbortSignal): Promise<void>;
  /** Why it cannot take documents now (for /readyz), or undefined when it can. */
  notReadyReason(): Promise<string | undefined>;
  /** Counters for /metrics. */
  counters(): Record<'indexed' | 'duplicates' | 'retried' | 'rejected', number>;
  close(): Promise<void>;
}
