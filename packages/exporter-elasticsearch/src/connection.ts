import { readFileSync } from 'node:fs';
import { positiveWholeNumberSetting, textSetting } from './setting-value';

/**
 * Where and how to reach Elasticsearch: the exporter options, and what the environment and the
 * sidecar's YAML become. Secrets stay in here: log `describeConnection()` only.
 */
export interface ElasticsearchConnectionOptions {
  /**
   * One node, or several nodes of one cluster (requests spread over the live ones). A string may
   * list several, comma-separated, as `ELASTICSEARCH_URL` does. Either this or `cloudId`.
   */
  url?: string | readonly string[];
  /** An Elastic Cloud deployment's Cloud ID (`name:base64…`), instead of `url`. */
  cloudId?: string;
  /** An API key, base64 as Elasticsearch returns it (`encoded`), or `id:key`. */
  apiKey?: string;
  username?: string;
  password?: string;
  /** A bearer token (an Elasticsearch access token or a service account token). */
  bearerToken?: string;
  /** PEM text of the CA that signed the cluster's certificate. */
  ca?: string;
  /** Path of that PEM file, read once when the connection is validated (`ELASTICSEARCH_CA_FILE`). */
  caFile?: string;
  /**
   * SHA-256 fingerprint of the cluster's CA certificate (hex, colons optional), as Elasticsearch
   * prints it at first start: pins that CA without a CA file.
   */
  caFingerprint?: string;
  /** Default true; false accepts any certificate (test clusters only). */
  rejectUnauthorized?: boolean;
  headers?: Record<string, string>;
  /** Per HTTP request; default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Ask the cluster for its nodes at start, every 5 minutes and after a connection fault, and
   * spread requests over them. Default false: behind a load balancer or a proxy (Elastic Cloud)
   * the addresses nodes publish are not reachable.
   */
  sniff?: boolean;
}

/** Validated options: `nodes` is the list of node URLs (a Cloud ID decoded), `ca` read from `caFile`. */
export interface ResolvedConnection extends ElasticsearchConnectionOptions {
  nodes: string[];
}

export class ConnectionConfigError extends Error {
  override name = 'ConnectionConfigError';
}

type SettingKind = 'string' | 'secret' | 'list' | 'boolean' | 'duration';

/** One connection setting: the option, its environment variable, its YAML key (under `elasticsearch.`). */
export interface ConnectionSetting {
  option: keyof ElasticsearchConnectionOptions;
  env: string;
  yaml: string;
  kind: SettingKind;
  defaultText: string;
  description: string;
}

/**
 * Every connection setting, once: `connectionOptionsFromEnv`, the sidecar's YAML and its --help
 * all read this table, so the names cannot drift apart.
 */
export const CONNECTION_SETTINGS: readonly ConnectionSetting[] = [
  {
    option: 'url',
    env: 'ELASTICSEARCH_URL',
    yaml: 'url',
    kind: 'list',
    defaultText: '(none)',
    description:
      'Elasticsearch node URL(s): comma-separated in the environment, a list in YAML; the nodes of one cluster.',
  },
  {
    option: 'cloudId',
    env: 'ELASTIC_CLOUD_ID',
    yaml: 'cloud_id',
    kind: 'string',
    defaultText: '(none)',
    description: 'Elastic Cloud deployment Cloud ID, instead of a URL.',
  },
  {
    option: 'apiKey',
    env: 'ELASTICSEARCH_API_KEY',
    yaml: 'api_key',
    kind: 'secret',
    defaultText: '(none)',
    description: 'API key (base64 "encoded", or id:key).',
  },
  {
    option: 'username',
    env: 'ELASTICSEARCH_USERNAME',
    yaml: 'username',
    kind: 'string',
    defaultText: '(none)',
    description: 'Basic auth user.',
  },
  {
    option: 'password',
    env: 'ELASTICSEARCH_PASSWORD',
    yaml: 'password',
    kind: 'secret',
    defaultText: '(none)',
    description: 'Basic auth password.',
  },
  {
    option: 'bearerToken',
    env: 'ELASTICSEARCH_BEARER_TOKEN',
    yaml: 'bearer_token',
    kind: 'secret',
    defaultText: '(none)',
    description: 'Bearer token (access token or service account token).',
  },
  {
    option: 'caFile',
    env: 'ELASTICSEARCH_CA_FILE',
    yaml: 'ca_file',
    kind: 'string',
    defaultText: '(none)',
    description: 'PEM file of the CA that signed the cluster certificate.',
  },
  {
    option: 'caFingerprint',
    env: 'ELASTICSEARCH_CA_FINGERPRINT',
    yaml: 'ca_fingerprint',
    kind: 'string',
    defaultText: '(none)',
    description: "SHA-256 fingerprint (hex) of the cluster's CA certificate, instead of a CA file.",
  },
  {
    option: 'requestTimeoutMs',
    env: 'ELASTICSEARCH_REQUEST_TIMEOUT_MS',
    yaml: 'request_timeout_ms',
    kind: 'duration',
    defaultText: '30000',
    description: 'Timeout of one HTTP request to Elasticsearch, in milliseconds.',
  },
  {
    option: 'sniff',
    env: 'ELASTICSEARCH_SNIFF',
    yaml: 'sniff',
    kind: 'boolean',
    defaultText: 'false',
    description:
      'Discover the cluster nodes (at start, every 5 min, on faults); leave off behind a load balancer or on Elastic Cloud.',
  },
];

/** A raw value (a YAML value or an environment string) and where it came from, for messages. */
export interface SettingValue {
  value: unknown;
  source: string;
}

/**
 * Builds the connection from raw settings (keyed by `ConnectionSetting.yaml`) and validates it.
 * Returns undefined when neither a URL nor a Cloud ID is set. Every message names the source
 * (the environment variable or the YAML key), the value when it is not a secret, and what was
 * expected.
 */
export function connectionFromSettings(
  read: (yaml: string) => SettingValue | undefined,
): ResolvedConnection | undefined {
  const options: ElasticsearchConnectionOptions = {};
  const sources: Sources = {};
  for (const setting of CONNECTION_SETTINGS) {
    const entry = read(setting.yaml);
    if (entry === undefined) continue;
    sources[setting.option] = entry.source;
    (options as Record<string, unknown>)[setting.option] = convert(setting, entry);
  }
  if (options.url === undefined && options.cloudId === undefined) {
    const stray = CONNECTION_SETTINGS.find((setting) => read(setting.yaml) !== undefined);
    if (stray) {
      throw new ConnectionConfigError(
        `${sources[stray.option]} is set but neither ELASTICSEARCH_URL nor ELASTIC_CLOUD_ID is; expected where Elasticsearch is`,
      );
    }
    return undefined;
  }
  return validateConnection(options, sources);
}

/**
 * Reads the connection from the environment (see `CONNECTION_SETTINGS`: `ELASTICSEARCH_URL`,
 * `ELASTIC_CLOUD_ID`, `ELASTICSEARCH_API_KEY`, …). Returns undefined when neither a URL nor a
 * Cloud ID is set; throws `ConnectionConfigError` on a bad value.
 */
export function connectionOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConnection | undefined {
  return connectionFromSettings((yaml) => {
    const setting = CONNECTION_SETTINGS.find((candidate) => candidate.yaml === yaml);
    const value = setting ? env[setting.env] : undefined;
    return setting && value !== undefined && value.trim() !== ''
      ? { value, source: setting.env }
      : undefined;
  });
}

type Sources = Partial<Record<keyof ElasticsearchConnectionOptions, string>>;

/** How an option is named in messages when it came from code, not from a setting. */
const DEFAULT_SOURCES: Required<Sources> = {
  url: 'ELASTICSEARCH_URL',
  cloudId: 'ELASTIC_CLOUD_ID',
  apiKey: 'ELASTICSEARCH_API_KEY',
  username: 'ELASTICSEARCH_USERNAME',
  password: 'ELASTICSEARCH_PASSWORD',
  bearerToken: 'ELASTICSEARCH_BEARER_TOKEN',
  ca: 'ca',
  caFile: 'ELASTICSEARCH_CA_FILE',
  caFingerprint: 'ELASTICSEARCH_CA_FINGERPRINT',
  rejectUnauthorized: 'rejectUnauthorized',
  headers: 'headers',
  requestTimeoutMs: 'requestTimeoutMs',
  sniff: 'sniff',
};

function convert(setting: ConnectionSetting, { value, source }: SettingValue): unknown {
  const shown = setting.kind === 'secret' ? '(secret)' : JSON.stringify(value);
  switch (setting.kind) {
    case 'list': {
      const items = Array.isArray(value)
        ? (value as unknown[])
        : typeof value === 'string'
          ? value.split(',')
          : [value];
      const urls = items.map((item) => (typeof item === 'string' ? item.trim() : item));
      if (urls.some((url) => typeof url !== 'string' || url === '')) {
        throw new ConnectionConfigError(
          `${source}: ${shown} is not a list of URLs; expected e.g. https://es1:9200,https://es2:9200`,
        );
      }
      return urls as string[];
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
        return value.trim().toLowerCase() === 'true';
      }
      throw new ConnectionConfigError(
        `${source}: ${shown} is not a boolean; expected true or false`,
      );
    case 'duration': {
      const milliseconds = positiveWholeNumberSetting(value);
      if (milliseconds !== undefined) return milliseconds;
      throw new ConnectionConfigError(
        `${source}: ${shown} is not a duration; expected a positive whole number of milliseconds`,
      );
    }
    default: {
      const text = textSetting(value);
      if (text !== undefined) return text;
      if (typeof value === 'number' && setting.kind === 'string') return String(value);
      throw new ConnectionConfigError(`${source}: ${shown} is not a text value; expected a string`);
    }
  }
}

/**
 * Checks the options and returns them ready for the client: `nodes` listed (a Cloud ID
 * decoded), `caFile` read into `ca`, an API key given as `id:key` encoded the way Elasticsearch
 * expects. Throws `ConnectionConfigError` naming the setting, the value (never a secret) and what
 * was expected.
 */
export function validateConnection(
  options: ElasticsearchConnectionOptions,
  sources: Sources = {},
): ResolvedConnection {
  if (options === null || typeof options !== 'object') {
    throw new ConnectionConfigError(
      'connection: expected an object with url or cloudId, e.g. { url: "http://127.0.0.1:9200" }',
    );
  }
  const name = (key: keyof ElasticsearchConnectionOptions): string =>
    sources[key] ?? DEFAULT_SOURCES[key];
  const hasUrl = options.url !== undefined && options.url !== '';
  if (hasUrl && options.cloudId !== undefined) {
    throw new ConnectionConfigError(
      `${name('url')} and ${name('cloudId')} are both set; expected one way to find the cluster`,
    );
  }
  let nodes: string[];
  if (options.cloudId !== undefined) {
    nodes = [decodeCloudId(options.cloudId, name('cloudId'))];
  } else {
    const list =
      typeof options.url === 'string'
        ? options.url.split(',').map((url) => url.trim())
        : Array.isArray(options.url)
          ? (options.url as unknown[])
          : [];
    if (list.length === 0 || list.some((url) => typeof url !== 'string' || url === '')) {
      throw new ConnectionConfigError(
        `${name('url')}: no URL given; expected e.g. http://127.0.0.1:9200, several comma-separated, or ${name('cloudId')}`,
      );
    }
    nodes = (list as string[]).map((url) => checkUrl(url, name('url')));
    if (new Set(nodes).size !== nodes.length) {
      throw new ConnectionConfigError(`${name('url')}: a node is listed twice; expected each once`);
    }
  }
  const auths = (['apiKey', 'username', 'bearerToken'] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (auths.length > 1) {
    throw new ConnectionConfigError(
      `${auths.map(name).join(' and ')} are both set; expected one way to authenticate`,
    );
  }
  if (options.password !== undefined && options.username === undefined) {
    throw new ConnectionConfigError(
      `${name('password')} is set without ${name('username')}; expected both for basic auth`,
    );
  }
  for (const [header, value] of Object.entries(options.headers ?? {})) {
    if (typeof value !== 'string' || /[\r\n]/.test(value)) {
      throw new ConnectionConfigError(`headers.${header}: expected a string without line breaks`);
    }
  }
  if (
    options.requestTimeoutMs !== undefined &&
    !(Number.isFinite(options.requestTimeoutMs) && options.requestTimeoutMs > 0)
  ) {
    throw new ConnectionConfigError(
      `${name('requestTimeoutMs')}: ${options.requestTimeoutMs} is not a positive number of milliseconds`,
    );
  }
  if (options.sniff !== undefined && typeof options.sniff !== 'boolean') {
    throw new ConnectionConfigError(`${name('sniff')}: ${String(options.sniff)} is not a boolean`);
  }
  const validated: ResolvedConnection = { ...options, nodes };
  if (options.caFingerprint !== undefined) {
    const hex = String(options.caFingerprint).replace(/:/g, '');
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new ConnectionConfigError(
        `${name('caFingerprint')}: "${String(options.caFingerprint)}" is not a SHA-256 fingerprint; expected 64 hex digits (colons allowed), e.g. from openssl x509 -fingerprint -sha256`,
      );
    }
    validated.caFingerprint = hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
  }
  if (
    (validated.caFingerprint !== undefined || options.caFile || options.ca) &&
    nodes.every((url) => url.startsWith('http:'))
  ) {
    const key = validated.caFingerprint !== undefined ? 'caFingerprint' : 'caFile';
    throw new ConnectionConfigError(
      `${name(key)} is set but ${name('url')} is plain http; expected https:// node URLs`,
    );
  }
  if (options.caFile !== undefined && options.ca === undefined) {
    try {
      validated.ca = readFileSync(options.caFile, 'utf8');
    } catch (error) {
      throw new ConnectionConfigError(
        `${name('caFile')}: cannot read "${options.caFile}": ${(error as Error).message}; expected a PEM file`,
      );
    }
    if (!validated.ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConnectionConfigError(
        `${name('caFile')}: "${options.caFile}" holds no PEM certificate; expected -----BEGIN CERTIFICATE-----`,
      );
    }
  }
  // Kibana shows a new key as `id:key` or already encoded; Elasticsearch wants base64(id:key).
  if (options.apiKey !== undefined && options.apiKey.includes(':')) {
    validated.apiKey = Buffer.from(options.apiKey).toString('base64');
  }
  return validated;
}

function checkUrl(url: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionConfigError(
      `${source}: "${redactUrl(url)}" is not a URL; expected e.g. http://127.0.0.1:9200`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConnectionConfigError(
      `${source}: protocol "${parsed.protocol}" of "${redactUrl(url)}" is not supported; expected http: or https:`,
    );
  }
  return url;
}

/**
 * The HTTPS URL of an Elastic Cloud deployment's Elasticsearch. A Cloud ID is
 * `name:base64(host[:port]$elasticsearch-id[:port]$kibana-id)`; the port defaults to 443.
 */
export function decodeCloudId(cloudId: string, source = 'ELASTIC_CLOUD_ID'): string {
  const bad = (why: string) =>
    new ConnectionConfigError(
      `${source}: not a Cloud ID (${why}); expected name:base64 as shown in the Elastic Cloud console`,
    );
  const encoded = cloudId.slice(cloudId.indexOf(':') + 1).trim();
  if (encoded === '' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw bad('no base64 part');
  const [hostPart = '', elasticsearchPart = ''] = Buffer.from(encoded, 'base64')
    .toString('utf8')
    .split('$');
  const [host = '', hostPort] = hostPart.split(':');
  const [elasticsearchId = '', elasticsearchPort] = elasticsearchPart.split(':');
  if (!/^[a-z0-9.-]+$/i.test(host) || !/^[a-z0-9-]+$/i.test(elasticsearchId)) {
    throw bad('it decodes to no host$elasticsearch-id');
  }
  const port = elasticsearchPort ?? hostPort ?? '443';
  if (!/^\d{1,5}$/.test(port)) throw bad(`port "${port}"`);
  return `https://${elasticsearchId}.${host}${port === '443' ? '' : `:${port}`}`;
}

/** Whether a URL names this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Whether every node of the connection is on this machine (gzip would only cost CPU). */
export function isLoopbackConnection(connection: ResolvedConnection): boolean {
  return !connection.sniff && connection.nodes.every(isLoopbackUrl);
}

/** A description safe for logs: the URLs without credentials and the kind of auth, never secrets. */
export function describeConnection(options: ElasticsearchConnectionOptions): string {
  const auth = options.apiKey
    ? 'api key'
    : options.username
      ? `basic auth as ${options.username}`
      : options.bearerToken
        ? 'bearer token'
        : 'no auth';
  const ca = options.ca || options.caFile ? ', custom CA' : '';
  const fingerprint = options.caFingerprint ? ', pinned CA fingerprint' : '';
  const tls = options.rejectUnauthorized === false ? ', certificates not verified' : '';
  const sniff = options.sniff ? ', sniffing' : '';
  let where: string;
  if (options.cloudId !== undefined) {
    const name = options.cloudId.split(':')[0] ?? '';
    let url = '<bad cloud id>';
    try {
      url = decodeCloudId(options.cloudId);
    } catch {
      // described, not validated, here
    }
    where = `Elastic Cloud ${name ? `"${name}" ` : ''}${url}`;
  } else {
    const urls = typeof options.url === 'string' ? options.url.split(',') : (options.url ?? []);
    where = urls.map((url) => redactUrl(url.trim())).join(', ');
  }
  return `${where} (${auth}${ca}${fingerprint}${tls}${sniff})`;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = parsed.username ? '***' : '';
      parsed.password = parsed.password ? '***' : '';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparseable url>';
  }
}
