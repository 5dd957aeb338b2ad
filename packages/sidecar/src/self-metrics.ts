// The sidecar's self-metrics in the Prometheus text format (version 0.0.4), kept as plain
// numbers: incrementing a counter on the hot path is one property write.

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((key) => `${key}="${escapeLabel(labels[key] ?? '')}"`).join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let index = 0; index < LATENCY_BUCKETS.length; index++) {
      if (seconds <= (LATENCY_BUCKETS[index] as number)) {
        this.counts[index] = (this.counts[index] ?? 0) + 1;
        return;
      }
    }
  }
}

/** Everything `/metrics` shows; the gauges are read when scraped. */
export class SelfMetrics {
  receivedSpans = 0;
  receivedLogRecords = 0;
  receivedMetricPoints = 0;
  /** Requests answered, by transport, signal and status (HTTP status or gRPC code name). */
  readonly requests = new Map<string, { labels: Labels; value: number }>();
  readonly bulkLatency = new Histogram();
  deadLettered = 0;
  /** Filled in by the sidecar: documents by outcome, queue depth, … */
  gauges: () => Array<{
    name: string;
    help: string;
    type: 'gauge' | 'counter';
    samples: Array<{ labels: Labels; value: number }>;
  }> = () => [];

  countRequest(transport: string, signal: string, status: string): void {
    const key = `${transport}|${signal}|${status}`;
    const entry = this.requests.get(key);
    if (entry) entry.value++;
    else this.requests.set(key, { labels: { transport, signal, status }, value: 1 });
  }

  render(): string {
    const lines: string[] = [];
    const family = (
      name: string,
      help: string,
      type: string,
      samples: Array<{ labels: Labels; value: number }>,
    ): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const sample of samples)
        lines.push(`${name}${labelText(sample.labels)} ${sample.value}`);
    };
    family('elkhound_received_spans_total', 'Spans received in accepted requests.', 'counter', [
      { labels: {}, value: this.receivedSpans },
    ]);
    family(
      'elkhound_received_log_records_total',
      'Log records received in accepted requests.',
      'counter',
      [{ labels: {}, value: this.receivedLogRecords }],
    );
    family(
      'elkhound_received_metric_points_total',
      'Metric data points received in accepted requests.',
      'counter',
      [{ labels: {}, value: this.receivedMetricPoints }],
    );
    family(
      'elkhound_requests_total',
      'OTLP requests answered, by transport, signal and status.',
      'counter',
      [...this.requests.values()],
    );
    for (const gauge of this.gauges()) family(gauge.name, gauge.help, gauge.type, gauge.samples);
    lines.push(
      '# HELP elkhound_bulk_send_duration_seconds Time for the sink to settle one batch of the queue (retries included).',
      '# TYPE elkhound_bulk_send_duration_seconds histogram',
    );
    let cumulative = 0;
    for (let index = 0; index < LATENCY_BUCKETS.length; index++) {
      cumulative += this.bulkLatency.counts[index] ?? 0;
      lines.push(
        `elkhound_bulk_send_duration_seconds_bucket{le="${LATENCY_BUCKETS[index]}"} ${cumulative}`,
      );
    }
    lines.push(
      `elkhound_bulk_send_duration_seconds_bucket{le="+Inf"} ${this.bulkLatency.count}`,
      `elkhound_bulk_send_duration_seconds_sum ${this.bulkLatency.sum}`,
      `elkhound_bulk_send_duration_seconds_count ${this.bulkLatency.count}`,
    );
    const memory = process.memoryUsage();
    family('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', [
      { labels: {}, value: memory.rss },
    ]);
    family('nodejs_heap_used_bytes', 'V8 heap used in bytes.', 'gauge', [
      { labels: {}, value: memory.heapUsed },
    ]);
    return lines.join('\n') + '\n';
  }
}
