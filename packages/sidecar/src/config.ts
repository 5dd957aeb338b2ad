import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CONNECTION_SETTINGS,
  ConnectionConfigError,
  connectionFromSettings,
  isLoopbackConnection,
  positiveWholeNumberSetting,
  textSetting,
  wholeNumberSetting,
  type ResolvedConnection,
} from '@elkhound/exporter-elasticsearch';
import { isValidNamespace } from '@elkhound/ecs';
import { parse as parseYaml } from 'yaml';
import { KAFKA_OPTIONS, readKafkaConfig, type KafkaConfig } from './kafka/kafka-config';
import type { LogLevel } from './log';

/** The sidecar's whole configuration, validated: every field has its final value. */
export interface SidecarConfig {
  dataDirectory: string;
  namespace: string;
  host: string;
  /** undefined: that receiver is off. 0: any free port (tests). */
  httpPort: number | undefined;
  grpcPort: number | undefined;
  authToken: string | undefined;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  maxRequestBytes: number;
  maxDecompressedBytes: number;
  maxInFlightBytes: number;
  queueMaxBytes: number;
  queueSegmentBytes: number;
  elasticsearch: ResolvedConnection | undefined;
  setupOnStart: boolean;
  retention: string;
  bulkFlushBytes: number;
  bulkConcurrency: number;
  bulkGzip: boolean;
  retryMaxDelayMs: number;
  fileSinkDirectory: string;
  fileMaxBytes: number;
  fileRetain: number;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  /** undefined: no broker set. */
  kafka: KafkaConfig | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Kind =
  'string' | 'secret' | 'list' | 'port' | 'bytes' | 'integer' | 'boolean' | 'level' | 'duration';

interface OptionSpec {
  /** Dotted path in the YAML file. */
  yaml: string;
  env: string;
  kind: Kind;
  /** As shown in --help; `undefined` means "not set". */
  defaultText: string;
  description: string;
}

/**
 * Every option, once: the YAML key, the environment variable, its kind, default and meaning.
 * Parsing, validation and `--help` all read this table, so they cannot drift apart.
 */
export const OPTIONS: readonly OptionSpec[] = [
  {
    yaml: 'data_dir',
    env: 'ELKHOUND_DATA_DIR',
    kind: 'string',
    defaultText: './elkhound-data',
    description: 'Directory of the queue, the dead-letter queue and (by default) the NDJSON files.',
  },
  {
    yaml: 'namespace',
    env: 'ELKHOUND_NAMESPACE',
    kind: 'string',
    defaultText: 'default',
    description: 'Data stream namespace; a data_stream.namespace resource attribute overrides it.',
  },
  {
    yaml: 'host',
    env: 'ELKHOUND_HOST',
    kind: 'string',
    defaultText: '127.0.0.1',
    description: 'Address the receivers listen on (0.0.0.0 to accept other hosts).',
  },
  {
    yaml: 'http.port',
    env: 'ELKHOUND_HTTP_PORT',
    kind: 'port',
    defaultText: '4318',
    description: 'OTLP/HTTP port (also /healthz, /readyz, /metrics); "off" disables it.',
  },
  {
    yaml: 'grpc.port',
    env: 'ELKHOUND_GRPC_PORT',
    kind: 'port',
    defaultText: '4317',
    description: 'OTLP/gRPC port; "off" disables it.',
  },
  {
    yaml: 'auth_token',
    env: 'ELKHOUND_AUTH_TOKEN',
    kind: 'secret',
    defaultText: '(none)',
    description: 'Bearer token clients must send (Authorization: Bearer …); none: no auth.',
  },
  {
    yaml: 'tls.cert_file',
    env: 'ELKHOUND_TLS_CERT_FILE',
    kind: 'string',
    defaultText: '(none)',
    description: 'PEM certificate: serve HTTPS and gRPC over TLS (with tls.key_file).',
  },
  {
    yaml: 'tls.key_file',
    env: 'ELKHOUND_TLS_KEY_FILE',
    kind: 'string',
    defaultText: '(none)',
    description: 'PEM private key of tls.cert_file.',
  },
  {
    yaml: 'limits.max_request_bytes',
    env: 'ELKHOUND_MAX_REQUEST_BYTES',
    kind: 'bytes',
    defaultText: '8MiB',
    description: 'Largest request body as sent (compressed); larger: 413.',
  },
  {
    yaml: 'limits.max_decompressed_bytes',
    env: 'ELKHOUND_MAX_DECOMPRESSED_BYTES',
    kind: 'bytes',
    defaultText: '64MiB',
    description: 'Largest body after gunzip (gzip bombs); larger: 413.',
  },
  {
    yaml: 'limits.max_in_flight_bytes',
    env: 'ELKHOUND_MAX_IN_FLIGHT_BYTES',
    kind: 'bytes',
    defaultText: '128MiB',
    description:
      'Request bytes (received and decompressed) held by all HTTP requests and gRPC messages at once; over it: 503 with Retry-After / UNAVAILABLE with RetryInfo.',
  },
  {
    yaml: 'queue.max_bytes',
    env: 'ELKHOUND_QUEUE_MAX_BYTES',
    kind: 'bytes',
    defaultText: '1GiB',
    description: 'Disk budget of the queue; when full, 429 / RESOURCE_EXHAUSTED.',
  },
  {
    yaml: 'queue.segment_bytes',
    env: 'ELKHOUND_QUEUE_SEGMENT_BYTES',
    kind: 'bytes',
    defaultText: '16MiB',
    description: 'Size at which a queue segment file is closed and a new one begun.',
  },
  // The connection settings are the exporter's, so the sidecar, the in-process exporters and
  // `elkhound setup` / `report` read the same names with the same checks.
  ...CONNECTION_SETTINGS.map((setting) => ({
    yaml: `elasticsearch.${setting.yaml}`,
    env: setting.env,
    kind: setting.kind,
    defaultText: setting.defaultText,
    description:
      setting.option === 'url'
        ? `${setting.description} None (and no cloud_id): NDJSON files instead.`
        : setting.description,
  })),
  {
    yaml: 'setup.on_start',
    env: 'ELKHOUND_SETUP',
    kind: 'boolean',
    defaultText: 'true',
    description: 'Install index templates and lifecycle when the sidecar starts (idempotent).',
  },
  {
    yaml: 'setup.retention',
    env: 'ELKHOUND_RETENTION',
    kind: 'string',
    defaultText: '30d',
    description: 'Data retention of the data streams (lifecycle and ILM).',
  },
  {
    yaml: 'bulk.flush_bytes',
    env: 'ELKHOUND_BULK_FLUSH_BYTES',
    kind: 'bytes',
    defaultText: '5MiB',
    description: 'Largest uncompressed bulk request.',
  },
  {
    yaml: 'bulk.concurrency',
    env: 'ELKHOUND_BULK_CONCURRENCY',
    kind: 'integer',
    defaultText: '2',
    description: 'Bulk requests in flight at once.',
  },
  {
    yaml: 'bulk.gzip',
    env: 'ELKHOUND_BULK_GZIP',
    kind: 'boolean',
    defaultText: 'true, false for an Elasticsearch on loopback',
    description:
      "Gzip bulk requests (saves bandwidth to a remote cluster; on loopback it only costs CPU, the sidecar's and Elasticsearch's).",
  },
  {
    yaml: 'bulk.retry_max_delay_ms',
    env: 'ELKHOUND_RETRY_MAX_DELAY_MS',
    kind: 'duration',
    defaultText: '10000',
    description: 'Longest wait between retries (retries never stop while Elasticsearch is down).',
  },
  {
    yaml: 'file_sink.directory',
    env: 'ELKHOUND_FILE_SINK_DIR',
    kind: 'string',
    defaultText: '<data_dir>/ndjson',
    description: 'Where the NDJSON files go when no Elasticsearch is set.',
  },
  {
    yaml: 'file_sink.max_file_bytes',
    env: 'ELKHOUND_FILE_MAX_BYTES',
    kind: 'bytes',
    defaultText: '100MiB',
    description: 'Size at which a data stream file is rotated.',
  },
  {
    yaml: 'file_sink.retain_files',
    env: 'ELKHOUND_FILE_RETAIN',
    kind: 'integer',
    defaultText: '5',
    description: 'Rotated files kept per data stream.',
  },
  {
    yaml: 'shutdown_timeout_ms',
    env: 'ELKHOUND_SHUTDOWN_TIMEOUT_MS',
    kind: 'duration',
    defaultText: '10000',
    description: 'On SIGTERM, how long to keep flushing before leaving the rest on disk.',
  },
  {
    yaml: 'log_level',
    env: 'ELKHOUND_LOG_LEVEL',
    kind: 'level',
    defaultText: 'info',
    description: 'debug, info, warn or error.',
  },
  ...KAFKA_OPTIONS,
];

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Reads the YAML file (if any) and the environment, environment winning, and validates all. */
export function loadConfig(
  options: { configFile?: string; env?: NodeJS.ProcessEnv } = {},
): SidecarConfig {
  const env = options.env ?? process.env;
  const raw = new Map<string, { value: unknown; source: string }>();
  if (options.configFile) {
    let text: string;
    try {
      text = readFileSync(options.configFile, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `--config: cannot read ${options.configFile}: ${(error as Error).message}`,
      );
    }
    let document: unknown;
    try {
      document = parseYaml(text);
    } catch (error) {
      throw new ConfigError(`${options.configFile}: not valid YAML: ${(error as Error).message}`);
    }
    if (document !== null && document !== undefined) {
      if (typeof document !== 'object' || Array.isArray(document)) {
        throw new ConfigError(`${options.configFile}: expected a mapping of options at the top`);
      }
      flatten(document as Record<string, unknown>, '', raw, options.configFile);
    }
  }
  for (const spec of OPTIONS) {
    const value = env[spec.env];
    if (value !== undefined && value !== '') raw.set(spec.yaml, { value, source: spec.env });
  }
  const known = new Set(OPTIONS.map((spec) => spec.yaml));
  for (const [key, entry] of raw) {
    if (!known.has(key)) {
      throw new ConfigError(
        `${entry.source}: unknown option "${key}"; see elkhound sidecar --help`,
      );
    }
  }
  const read = (key: string): { value: unknown; source: string } | undefined => raw.get(key);
  const value = <T>(
    key: string,
    convert: (value: unknown, source: string) => T,
    fallback: T,
  ): T => {
    const entry = read(key);
    return entry === undefined ? fallback : convert(entry.value, entry.source);
  };

  const dataDirectory = resolve(value('data_dir', asString, './elkhound-data'));
  const namespace = value('namespace', asString, 'default');
  if (!isValidNamespace(namespace)) {
    throw new ConfigError(
      `${read('namespace')?.source ?? 'namespace'}: "${namespace}" is not a data stream namespace; expected lowercase letters, digits and _ (no -, at most 100 bytes)`,
    );
  }
  const tlsCertFile = value<string | undefined>('tls.cert_file', asString, undefined);
  const tlsKeyFile = value<string | undefined>('tls.key_file', asString, undefined);
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw new ConfigError(
      'tls.cert_file and tls.key_file (ELKHOUND_TLS_CERT_FILE / ELKHOUND_TLS_KEY_FILE): expected both or neither',
    );
  }
  const config: SidecarConfig = {
    dataDirectory,
    namespace,
    host: value('host', asString, '127.0.0.1'),
    httpPort: value<number | undefined>('http.port', asPort, 4318),
    grpcPort: value<number | undefined>('grpc.port', asPort, 4317),
    authToken: value<string | undefined>('auth_token', asString, undefined),
    tlsCertFile,
    tlsKeyFile,
    maxRequestBytes: value('limits.max_request_bytes', asBytes, 8 * 1024 ** 2),
    maxDecompressedBytes: value('limits.max_decompressed_bytes', asBytes, 64 * 1024 ** 2),
    maxInFlightBytes: value('limits.max_in_flight_bytes', asBytes, 128 * 1024 ** 2),
    queueMaxBytes: value('queue.max_bytes', asBytes, 1024 ** 3),
    queueSegmentBytes: value('queue.segment_bytes', asBytes, 16 * 1024 ** 2),
    elasticsearch: undefined,
    setupOnStart: value('setup.on_start', asBoolean, true),
    retention: value('setup.retention', asString, '30d'),
    bulkFlushBytes: value('bulk.flush_bytes', asBytes, 5 * 1024 ** 2),
    bulkConcurrency: value('bulk.concurrency', asPositiveInteger, 2),
    bulkGzip: value('bulk.gzip', asBoolean, true),
    retryMaxDelayMs: value('bulk.retry_max_delay_ms', asPositiveInteger, 10_000),
    fileSinkDirectory: resolve(value('file_sink.directory', asString, `${dataDirectory}/ndjson`)),
    fileMaxBytes: value('file_sink.max_file_bytes', asBytes, 100 * 1024 ** 2),
    fileRetain: value('file_sink.retain_files', asPositiveInteger, 5),
    shutdownTimeoutMs: value('shutdown_timeout_ms', asPositiveInteger, 10_000),
    logLevel: value('log_level', asLevel, 'info'),
    kafka: readKafkaConfig(read, (message) => new ConfigError(message)),
  };
  if (config.httpPort === undefined && config.grpcPort === undefined) {
    throw new ConfigError('http.port and grpc.port are both "off"; expected at least one receiver');
  }
  if (config.maxDecompressedBytes < config.maxRequestBytes) {
    throw new ConfigError(
      `limits.max_decompressed_bytes (${config.maxDecompressedBytes}) is below limits.max_request_bytes (${config.maxRequestBytes}); expected at least as large`,
    );
  }
  if (config.maxInFlightBytes < config.maxRequestBytes) {
    throw new ConfigError(
      `limits.max_in_flight_bytes (${config.maxInFlightBytes}) is below limits.max_request_bytes (${config.maxRequestBytes}); expected at least as large`,
    );
  }
  if (config.queueSegmentBytes > config.queueMaxBytes) {
    config.queueSegmentBytes = Math.max(64 * 1024, Math.floor(config.queueMaxBytes / 4));
  }
  if (!/^\d+(d|h|m|s)$/.test(config.retention)) {
    throw new ConfigError(
      `${read('setup.retention')?.source ?? 'setup.retention'}: "${config.retention}" is not a retention; expected e.g. 30d or 12h`,
    );
  }
  try {
    config.elasticsearch = connectionFromSettings((key) => read(`elasticsearch.${key}`));
  } catch (error) {
    if (error instanceof ConnectionConfigError) throw new ConfigError(error.message);
    throw error;
  }
  if (config.elasticsearch && read('bulk.gzip') === undefined) {
    config.bulkGzip = !isLoopbackConnection(config.elasticsearch);
  }
  return config;
}

function flatten(
  object: Record<string, unknown>,
  prefix: string,
  into: Map<string, { value: unknown; source: string }>,
  file: string,
): void {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix + key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      flatten(value as Record<string, unknown>, `${path}.`, into, file);
    } else {
      into.set(path, { value, source: `${file}: ${path}` });
    }
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

function asString(value: unknown, source: string): string {
  const text = textSetting(value) ?? (typeof value === 'number' ? String(value) : undefined);
  if (text !== undefined) return text;
  throw new ConfigError(
    `${source}: ${describe(value)} is not a text value; expected a non-empty string`,
  );
}

function asPort(value: unknown, source: string): number | undefined {
  if (value === 'off' || value === false) return undefined;
  const port = wholeNumberSetting(value);
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
  throw new ConfigError(`${source}: ${describe(value)} is not a port; expected 0-65535 or "off"`);
}

function asBytes(value: unknown, source: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
    const unit = BYTE_UNITS[(match?.[2] || 'b').toLowerCase()];
    if (match && unit !== undefined) {
      const bytes = Math.floor(Number(match[1]) * unit);
      if (bytes > 0) return bytes;
    }
  }
  throw new ConfigError(
    `${source}: ${describe(value)} is not a size; expected bytes, e.g. 1048576, 64MiB or 1GB`,
  );
}

function asPositiveInteger(value: unknown, source: string): number {
  const number = positiveWholeNumberSetting(value);
  if (number !== undefined) return number;
  throw new ConfigError(`${source}: ${describe(value)} is not a positive integer`);
}

function asBoolean(value: unknown, source: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === '1' || text === 'yes') return true;
    if (text === 'false' || text === '0' || text === 'no') return false;
  }
  throw new ConfigError(`${source}: ${describe(value)} is not a boolean; expected true or false`);
}

function asLevel(value: unknown, source: string): LogLevel {
  if (value === 'debug' || value === 'info' || value === 'warn' || value === 'error') return value;
  throw new ConfigError(
    `${source}: ${describe(value)} is not a log level; expected debug, info, warn or error`,
  );
}

/** The options table as `--help` text. */
export function optionsHelp(): string {
  const lines: string[] = [];
  for (const spec of OPTIONS) {
    lines.push(`  ${spec.env.padEnd(32)} ${spec.yaml} (default: ${spec.defaultText})`);
    lines.push(`      ${spec.description}`);
  }
  return lines.join('\n');
}
