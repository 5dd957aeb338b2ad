import { diag } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  GenAICostSpanProcessor,
  GenAIInstrumentation,
  TransactionLogRecordProcessor,
  TransactionSpanProcessor,
} from '@elkhound/instrumentation-genai';
import { logRecordProcessorsFromEnv, logsExported, spanProcessorsFromEnv } from './exporters';

const STARTED = Symbol.for('@elkhound/auto-register');
type Registry = typeof globalThis & { [STARTED]?: NodeSDK };

/**
 * Starts the OpenTelemetry NodeSDK with the GenAI instrumentation. Exporters, resource and
 * sampling come from the standard `OTEL_*` variables (OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER
 * / OTEL_LOGS_EXPORTER default to `otlp`; OTEL_EXPORTER_OTLP_PROTOCOL picks http/protobuf,
 * http/json or grpc). Spans and log records get `elkhound.transaction.id` (the local entry span's
 * id) from the transaction processors, and a framework's model-call spans that Elkhound does not
 * instrument get their cost from the cost processor; these come first: the exporting span and log-record
 * processors are built here as NodeSDK builds them from the environment (./exporters), since it
 * drops its own once processors are given; metrics are left to NodeSDK. `OTEL_SDK_DISABLED=true`
 * starts nothing. Idempotent: `--require` and `--import` together start one SDK.
 */
export function start(): NodeSDK | undefined {
  const registry = globalThis as Registry;
  if (registry[STARTED]) return registry[STARTED];
  if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  try {
    const spanProcessors: SpanProcessor[] = [];
    // Left out when no logs are exported: NodeSDK then reads OTEL_LOGS_EXPORTER itself and creates
    // no logger provider, as without Elkhound's processors.
    const logRecordProcessors: LogRecordProcessor[] | undefined = logsExported() ? [] : undefined;
    const sdk = new NodeSDK({
      instrumentations: [new GenAIInstrumentation()],
      spanProcessors,
      logRecordProcessors,
    });
    // Filled once the constructor has set diag's logger from OTEL_LOG_LEVEL, so a misconfigured
    // exporter is reported as NodeSDK reports it; NodeSDK reads both lists in start(). An empty
    // span list (OTEL_TRACES_EXPORTER=none) makes no tracer provider, as NodeSDK's own `none`.
    const exportingSpans = spanProcessorsFromEnv();
    if (exportingSpans.length > 0)
      spanProcessors.push(
        new TransactionSpanProcessor(),
        new GenAICostSpanProcessor(),
        ...exportingSpans,
      );
    logRecordProcessors?.push(new TransactionLogRecordProcessor(), ...logRecordProcessorsFromEnv());
    sdk.start();
    registry[STARTED] = sdk;
    flushOnExit(sdk);
    return sdk;
  } catch (error) {
    // Telemetry must never keep the app from starting.
    diag.error('elkhound: could not start the OpenTelemetry SDK', error);
    return undefined;
  }
}

/**
 * Flushes once: when the event loop empties (`beforeExit`, where async work still runs), or on
 * SIGTERM / SIGINT. A signal the app does not handle itself is raised again after the flush, so
 * the process ends as it would have without Elkhound.
 */
function flushOnExit(sdk: NodeSDK): void {
  let shutdown: Promise<void> | undefined;
  const flush = () => {
    shutdown ??= sdk
      .shutdown()
      .catch((error: unknown) => diag.error('elkhound: flush on exit failed', error));
    return shutdown;
  };
  process.once('beforeExit', () => void flush());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      const othersListen = process.listenerCount(signal) > 0;
      void flush().finally(() => {
        if (!othersListen) process.kill(process.pid, signal);
      });
    };
    process.once(signal, onSignal);
  }
}
