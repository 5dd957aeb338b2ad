import { elasticsearchClient } from '@elkhound/test-support';
import { makeSpans, traceRequestProtobuf } from './requests';

/**
 * Steady OTLP/HTTP protobuf load: one request of `spansPerRequest` real SDK spans every
 * `intervalMs`, a few in flight at most. Remembers the span ids of every request answered 2xx
 * (acknowledged) and counts the other answers.
 */
export class LoadGenerator {
  readonly acknowledged = new Set<string>();
  readonly statuses = new Map<string, number>();
  retryAfter: string | null = null;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly target: () => string,
    private readonly options: { spansPerRequest: number; intervalMs: number; serviceName: string },
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    const inFlight = new Set<Promise<unknown>>();
    while (this.running) {
      if (inFlight.size < 4) {
        const request = this.sendOne();
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs));
    }
    await Promise.allSettled(inFlight);
  }

  async sendOne(): Promise<number> {
    const spans = makeSpans(this.options.spansPerRequest, this.options.serviceName);
    let status: string;
    try {
      const response = await fetch(this.target(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: traceRequestProtobuf(spans),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      status = String(response.status);
      if (response.status === 429) this.retryAfter = response.headers.get('retry-after');
      if (response.ok) for (const span of spans) this.acknowledged.add(span.spanContext().spanId);
    } catch {
      status = 'network error';
    }
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    return Number(status) || 0;
  }
}

/** How many documents hold each span.id in the data stream. */
export async function spanIdCounts(index: string): Promise<Map<string, number>> {
  const client = elasticsearchClient();
  const counts = new Map<string, number>();
  try {
    await client.indices.refresh({ index });
    let response = await client.search<{ span?: { id?: string } }>({
      index,
      size: 5000,
      scroll: '30s',
      _source: ['span.id'],
      query: { match_all: {} },
    });
    while (response.hits.hits.length > 0) {
      for (const hit of response.hits.hits) {
        const id = hit._source?.span?.id;
        if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      if (!response._scroll_id) break;
      response = await client.scroll({ scroll_id: response._scroll_id, scroll: '30s' });
    }
    if (response._scroll_id)
      await client.clearScroll({ scroll_id: response._scroll_id }).catch(() => undefined);
    return counts;
  } finally {
    await client.close();
  }
}

/** Every acknowledged span is there exactly once, and no span is there twice. */
export function exactlyOnce(acknowledged: Set<string>, counts: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const id of acknowledged) {
    const count = counts.get(id) ?? 0;
    if (count !== 1) problems.push(`span ${id}: ${count} documents`);
  }
  for (const [id, count] of counts) if (count > 1) problems.push(`span ${id}: ${count} documents`);
  return problems.slice(0, 20);
}
