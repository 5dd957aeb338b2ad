// The exporting span and log-record processors the NodeSDK builds from OTEL_* when it is given
// none (sdk-node 0.301: utils getSpanProcessorsFromEnv, NodeSDK.configureLoggerProviderFromEnv).
// NodeSDK keeps those helpers private and drops them as soon as `spanProcessors` or
// `logRecordProcessors` are passed, which Elkhound must do to put its transaction-id processors
// first; so they are rebuilt here, value for value, with its warnings.
import { diag } from '@opentelemetry/api';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

// The parsing of @opentelemetry/core's environment helpers.
function stringFromEnv(key: string): string | undefined {
  const raw = process.env[key];
  return raw == null || raw.trim() === '' ? undefined : raw;
}

function listFromEnv(key: string): string[] | undefined {
  return stringFromEnv(key)
    ?.split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function positiveNumberFromEnv(key: string): number | undefined {
  const raw = stringFromEnv(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (Number.isNaN(value)) {
    diag.warn(`Unknown value '${raw}' for ${key}, expected a number, using defaults`);
    return undefined;
  }
  if (value <= 0) {
    diag.warn(`${key} (${value}) is invalid, expected number greater than 0, using default.`);
    return undefined;
  }
  return value;
}

type OtlpProtocol = 'grpc' | 'http/json' | 'http/protobuf';

/**
 * The OTLP exporter of one signal for OTEL_EXPORTER_OTLP_{TRACES,LOGS}_PROTOCOL, else
 * OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf (also for an unknown value, with NodeSDK's
 * warning).
 */
function otlpExporter<T>(signal: 'traces' | 'logs', make: Record<OtlpProtocol, () => T>): T {
  const protocol =
    (
      stringFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`) ??
      stringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL')
    )?.trim() || 'http/protobuf';
  if (Object.hasOwn(make, protocol)) return make[protocol as OtlpProtocol]();
  diag.warn(`Unsupported OTLP ${signal} protocol: "${protocol}". Using http/protobuf.`);
  return make['http/protobuf']();
}

const otlpTraceExporter = (): SpanExporter =>
  otlpExporter<SpanExporter>('traces', {
    grpc: () => new GrpcTraceExporter(),
    'http/json': () => new JsonTraceExporter(),
    'http/protobuf': () => new ProtoTraceExporter(),
  });

const otlpLogExporter = (): LogRecordExporter =>
  otlpExporter<LogRecordExporter>('logs', {
    grpc: () => new GrpcLogExporter(),
    'http/json': () => new JsonLogExporter(),
    'http/protobuf': () => new ProtoLogExporter(),
  });

/**
 * The exporting span processors of OTEL_TRACES_EXPORTER (otlp by default, zipkin, console;
 * `none` first: none at all, and NodeSDK then creates no tracer provider). Batch processors take
 * OTEL_BSP_*; console gets a simple processor.
 */
export function spanProcessorsFromEnv(): SpanProcessor[] {
  let names = Array.from(new Set(listFromEnv('OTEL_TRACES_EXPORTER'))).filter(
    (name) => name !== 'null',
  );
  if (names[0] === 'none') {
    diag.warn('OTEL_TRACES_EXPORTER contains "none". SDK will not be initialized.');
    return [];
  }
  if (names.length === 0) {
    diag.debug('OTEL_TRACES_EXPORTER is empty. Using default otlp exporter.');
    names = ['otlp'];
  } else if (names.length > 1 && names.includes('none')) {
    diag.warn(
      'OTEL_TRACES_EXPORTER contains "none" along with other exporters. Using default otlp exporter.',
    );
    names = ['otlp'];
  }
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
      continue;
    }
    const exporter =
      name === 'otlp' ? otlpTraceExporter() : name === 'zipkin' ? new ZipkinExporter() : undefined;
    if (exporter === undefined) {
      diag.warn(`Unrecognized OTEL_TRACES_EXPORTER value: ${name}.`);
      continue;
    }
    processors.push(
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: positiveNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
        scheduledDelayMillis: positiveNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
        exportTimeoutMillis: positiveNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
        maxExportBatchSize: positiveNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      }),
    );
  }
  if (processors.length === 0)
    diag.warn('Unable to set up trace exporter(s) due to invalid exporter and/or protocol values.');
  return processors;
}

/**
 * OTEL_LOGS_EXPORTER as NodeSDK reads it: unset or empty means otlp, `none` anywhere means none;
 * `given` says whether it was set at all.
 */
function logExporterNames(): { names: string[]; given: boolean } {
  const listed = listFromEnv('OTEL_LOGS_EXPORTER') ?? [];
  if (listed.length === 0) return { names: ['otlp'], given: false };
  return { names: listed.includes('none') ? [] : Array.from(new Set(listed)), given: true };
}

/**
 * Whether OTEL_LOGS_EXPORTER names an exporter, so that NodeSDK would create a logger provider:
 * decided before the NodeSDK is constructed; reports nothing (logRecordProcessorsFromEnv does).
 */
export function logsExported(): boolean {
  return logExporterNames().names.some((name) => name === 'otlp' || name === 'console');
}

/**
 * The exporting log-record processors of OTEL_LOGS_EXPORTER (otlp by default, console; `none`
 * anywhere: none, and NodeSDK then creates no logger provider). Batch processors take
 * OTEL_BLRP_*; console gets a simple processor.
 */
export function logRecordProcessorsFromEnv(): LogRecordProcessor[] {
  const { names, given } = logExporterNames();
  if (!given) diag.debug('OTEL_LOGS_EXPORTER is empty. Using default otlp exporter.');
  else if (names.length === 0) {
    diag.info('OTEL_LOGS_EXPORTER contains "none". Logger provider will not be initialized.');
    return [];
  }
  const processors: LogRecordProcessor[] = [];
  for (const name of names) {
    if (name === 'otlp') {
      processors.push(
        new BatchLogRecordProcessor({
          exporter: otlpLogExporter(),
          maxQueueSize: positiveNumberFromEnv('OTEL_BLRP_MAX_QUEUE_SIZE'),
          scheduledDelayMillis: positiveNumberFromEnv('OTEL_BLRP_SCHEDULE_DELAY'),
          exportTimeoutMillis: positiveNumberFromEnv('OTEL_BLRP_EXPORT_TIMEOUT'),
          maxExportBatchSize: positiveNumberFromEnv('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
        }),
      );
    } else if (name === 'console') {
      processors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    } else {
      diag.warn(
        `Unsupported OTEL_LOGS_EXPORTER value: "${name}". Supported values are: otlp, console, none.`,
      );
    }
  }
  return processors;
}
