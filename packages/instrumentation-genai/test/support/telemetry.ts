import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import assert from 'node:assert/strict';
import { GenAICostSpanProcessor, GenAIInstrumentation } from '../../src';
import { estimatesSettled } from '../../src/estimator';
import { ELKHOUND_INSTRUMENTATION_NAME } from '../../src/semconv';

/** A reader the test collects from when it wants (delta: each collection sees new points only). */
class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Messages reported through diag, so tests can assert that a failure was reported, not thrown. */
class RecordingDiag implements DiagLogger {
  readonly errors: string[] = [];
  error(message: string, ...args: unknown[]): void {
    this.errors.push(
      [message, ...args.map((arg) => (arg instanceof Error ? arg.message : String(arg)))].join(' '),
    );
  }
  warn(): void {}
  info(): void {}
  debug(): void {}
  verbose(): void {}
}

/**
 * Every model-call span Elkhound ends must carry a cost or `elkhound.cost.unpriced` with a reason
 * (never a silent absence), and usage with its source: checked on every span of every test (the
 * root hook of test/every-span-priced.test.ts asserts the list is empty after each test).
 */
export const unpricedSilently: string[] = [];
class EverySpanPriced implements SpanProcessor {
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if (span.instrumentationScope.name !== ELKHOUND_INSTRUMENTATION_NAME) return;
    const a = span.attributes;
    if (a['gen_ai.operation.name'] === undefined) return;
    const priced = typeof a['elkhound.cost.total'] === 'number';
    const unpriced = a['elkhound.cost.unpriced'] === true;
    const reason = a['elkhound.cost.unpriced_reason'];
    const usage = a['gen_ai.usage.input_tokens'] !== undefined;
    const source = a['elkhound.usage.source'];
    if (priced === unpriced || (unpriced && typeof reason !== 'string'))
      unpricedSilently.push(
        `${span.name}: cost ${String(a['elkhound.cost.total'])}, unpriced ${String(a['elkhound.cost.unpriced'])} (${String(reason)})`,
      );
    else if (usage !== (source === 'provider' || source === 'estimated'))
      unpricedSilently.push(`${span.name}: usage without its source (${String(source)})`);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

export const spans = new InMemorySpanExporter();
export const logs = new InMemoryLogRecordExporter();
const reader = new CollectingReader();
export const diagnostics = new RecordingDiag();
diag.setLogger(diagnostics, { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });

// The instrumentation must exist before `openai` is loaded: it hooks the module's files.
export const instrumentation = new GenAIInstrumentation();
/** The tracer provider of the tests (other instrumentations under test use it too). */
export const tracerProvider = new TracerProvider({
  // As auto-register does: frameworks' model-call spans that Elkhound does not see get priced.
  spanProcessors: [
    new GenAICostSpanProcessor(),
    new SimpleSpanProcessor({ exporter: spans }),
    new EverySpanPriced(),
  ],
});
instrumentation.setTracerProvider(tracerProvider);
instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
instrumentation.setLoggerProvider(
  new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logs })] }),
);

export function resetTelemetry(): void {
  spans.reset();
  logs.reset();
  diagnostics.errors.length = 0;
}

export function only(finished: ReadableSpan[] = spans.getFinishedSpans()): ReadableSpan {
  assert.equal(
    finished.length,
    1,
    `expected one span, got ${finished.map((span) => span.name).join(', ') || 'none'}`,
  );
  return finished[0] as ReadableSpan;
}

/** The finished spans, once every span waiting for its estimate (worker thread) has ended. */
export async function settledSpans(): Promise<ReadableSpan[]> {
  await estimatesSettled();
  return spans.getFinishedSpans();
}

/** The one finished span, once the estimates have settled. */
export async function settledOnly(): Promise<ReadableSpan> {
  return only(await settledSpans());
}

export async function eventually(check: () => void, attempts = 200): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return check();
    } catch (error) {
      if (attempt > attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** The metrics recorded since the last collection, by name. */
export async function collectMetrics(): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const byName = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
  return byName;
}

export function histogram(metrics: Map<string, MetricData>, name: string): HistogramMetricData {
  const metric = metrics.get(name);
  assert.ok(metric, `metric ${name} was not recorded`);
  return metric as HistogramMetricData;
}
