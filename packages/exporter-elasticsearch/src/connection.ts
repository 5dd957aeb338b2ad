import { readFileSync } from 'node:fs';

/** Where and how to reach Elasticsearch. Secrets stay in here: log `describeConnection()` only. */
export interface ElasticsearchConnectionOptions {
  url: string;
  apiKey?: string;
  username?: string;
  password?: string;
  /** PEM text of the CA that signed the cluster's certificate. */
  ca?: string;
  /** Path of that PEM file, read once when the connection is validated (`ELASTICSEARCH_CA_FILE`). */
  caFile?: string;
  /** Default true; false accepts any certificate (test clusters only). */
  rejectUnauthorized?: boolean;
  headers?: Record<string, string>;
  /** Per HTTP request; default 30 s. */
  requestTimeoutMs?: number;
}

export class ConnectionConfigError extends Error {
  override name = 'ConnectionConfigError';
}

/**
 * Reads `ELASTICSEARCH_URL`, `ELASTICSEARCH_API_KEY`, `ELASTICSEARCH_USERNAME`,
 * `ELASTICSEARCH_PASSWORD` and `ELASTICSEARCH_CA_FILE`. Returns undefined when no URL is set.
 */
export function connectionOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ElasticsearchConnectionOptions | undefined {
  const url = env.ELASTICSEARCH_URL?.trim();
  if (!url) return undefined;
  const options: ElasticsearchConnectionOptions = { url };
  if (env.ELASTICSEARCH_API_KEY) options.apiKey = env.ELASTICSEARCH_API_KEY;
  if (env.ELASTICSEARCH_USERNAME) {
    options.username = env.ELASTICSEARCH_USERNAME;
    options.password = env.ELASTICSEARCH_PASSWORD ?? '';
  }
  if (env.ELASTICSEARCH_CA_FILE) options.caFile = env.ELASTICSEARCH_CA_FILE;
  return validateConnection(options);
}

/**
 * Checks the options and returns them ready for the transport: `caFile` read into `ca`, an API
 * key given as `id:key` encoded the way Elasticsearch expects. Throws `ConnectionConfigError`
 * naming the key, the value (never a secret) and what was expected.
 */
export function validateConnection(
  options: ElasticsearchConnectionOptions,
): ElasticsearchConnectionOptions {
  if (typeof options?.url !== 'string' || options.url.trim() === '') {
    throw new ConnectionConfigError(
      'ELASTICSEARCH_URL: no URL given; expected e.g. http://127.0.0.1:9200',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new ConnectionConfigError(
      `ELASTICSEARCH_URL: "${redactUrl(options.url)}" is not a URL; expected e.g. http://127.0.0.1:9200`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConnectionConfigError(
      `ELASTICSEARCH_URL: protocol "${parsed.protocol}" is not supported; expected http: or https:`,
    );
  }
  if (options.apiKey !== undefined && options.username !== undefined) {
    throw new ConnectionConfigError(
      'ELASTICSEARCH_API_KEY and ELASTICSEARCH_USERNAME are both set; expected one way to authenticate',
    );
  }
  if (options.password !== undefined && options.username === undefined) {
    throw new ConnectionConfigError(
      'ELASTICSEARCH_PASSWORD is set without ELASTICSEARCH_USERNAME; expected both for basic auth',
    );
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (typeof value !== 'string' || /[\r\n]/.test(value)) {
      throw new ConnectionConfigError(`headers.${name}: expected a string without line breaks`);
    }
  }
  if (
    options.requestTimeoutMs !== undefined &&
    !(Number.isFinite(options.requestTimeoutMs) && options.requestTimeoutMs > 0)
  ) {
    throw new ConnectionConfigError(
      `requestTimeoutMs: ${options.requestTimeoutMs} is not a positive number of milliseconds`,
    );
  }
  const validated = { ...options };
  if (options.caFile !== undefined && options.ca === undefined) {
    try {
      validated.ca = readFileSync(options.caFile, 'utf8');
    } catch (error) {
      throw new ConnectionConfigError(
        `ELASTICSEARCH_CA_FILE: cannot read "${options.caFile}": ${(error as Error).message}; expected a PEM file`,
      );
    }
  }
  // Kibana shows a new key as `id:key` or already encoded; Elasticsearch wants base64(id:key).
  if (options.apiKey !== undefined && options.apiKey.includes(':')) {
    validated.apiKey = Buffer.from(options.apiKey).toString('base64');
  }
  return validated;
}

/** A description safe for logs: the URL without credentials and the kind of auth, never secrets. */
/** Whether the cluster's URL names this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function describeConnection(options: ElasticsearchConnectionOptions): string {
  const auth = options.apiKey
    ? 'api key'
    : options.username
      ? `basic auth as ${options.username}`
      : 'no auth';
  const ca = options.ca || options.caFile ? ', custom CA' : '';
  const tls = options.rejectUnauthorized === false ? ', certificates not verified' : '';
  return `${redactUrl(options.url)} (${auth}${ca}${tls})`;
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
