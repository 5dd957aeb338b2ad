import type { EcsDocument } from '@elkhound/ecs';
import type { SelfMetrics } from '../self-metrics';

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

/** The sink's part of /metrics: documents settled by outcome and attempts retried. */
export function sinkGauges(sink: Sink): ReturnType<SelfMetrics['gauges']> {
  const counters = sink.counters();
  return [
    {
      name: 'elkhound_documents_total',
      help: 'Documents settled by the sink, by outcome.',
      type: 'counter',
      samples: [
        { labels: { outcome: 'indexed' }, value: counters.indexed },
        { labels: { outcome: 'duplicate' }, value: counters.duplicates },
        { labels: { outcome: 'dead_lettered' }, value: counters.rejected },
      ],
    },
    {
      name: 'elkhound_documents_retried_total',
      help: 'Document attempts sent again after 429, 5xx or a network error.',
      type: 'counter',
      samples: [{ labels: {}, value: counters.retried }],
    },
  ];
}
