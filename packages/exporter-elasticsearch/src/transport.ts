import { Client, ClusterConnectionPool, HttpConnection, errors } from '@elastic/elasticsearch';
import type http from 'node:http';
import { validateConnection, type ElasticsearchConnectionOptions } from './connection';

export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The JSON answer parsed, the text of any other answer, or undefined when empty. */
  body: unknown;
}

export interface TransportRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  /** A JSON value, serialised by the client; or bytes / text sent as they are. */
  body?: unknown;
  /** An NDJSON body sent as it is (no copy, no re-serialisation): the bulk request. */
  bulkBody?: Buffer;
  querystring?: Record<string, string>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const PLAIN_JSON = { 'content-type': 'application/json', accept: 'application/json' };

/** When sniffing is on: how often to ask the cluster for its nodes again. */
const SNIFF_INTERVAL_MS = 5 * 60_000;

/**
 * Every request Elkhound makes to Elasticsearch goes through the official client's Transport and
 * connection pool: the nodes of `url` (or of the Cloud ID), round robin over the live ones; a
 * node that fails to connect, times out or answers 502/503/504 is marked dead and pinged again
 * later (60 s, doubling), never on the request path.
 *
 * Retries are split in two, so nothing is retried twice: the client fails a request over to
 * each OTHER node at most once, at once (`maxRetries` = nodes − 1), and Elkhound's writers do
 * the retries over time (backoff, Retry-After, per-document outcomes). With one node the client
 * never retries.
 *
 * Like the old hand-written transport, this only moves bytes: a non-2xx answer is returned,
 * not thrown; network failures, timeouts and no living node reject with `TransportError`, which
 * the writers treat as retryable.
 */
export class ElasticsearchTransport {
  readonly client: Client;
  private readonly timeoutMs: number;

  constructor(connection: ElasticsearchConnectionOptions) {
    const options = validateConnection(connection);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    const auth = options.apiKey
      ? { apiKey: options.apiKey }
      : options.username !== undefined
        ? { username: options.username, password: options.password ?? '' }
        : options.bearerToken
          ? { bearer: options.bearerToken }
          : undefined;
    this.client = new Client({
      nodes: options.nodes,
      ...(auth ? { auth } : {}),
      // The pool with dead marking and resurrection by ping: the client's default (a weighted
      // round robin) keeps sending a share of real requests to a dead node.
      ConnectionPool: ClusterConnectionPool,
      // node:http rather than the default undici: its WebAssembly HTTP parser adds ~13 MiB of
      // RSS to the host application or the sidecar, for no measurable gain on these few large
      // requests (docs/benchmarks.md).
      Connection: HttpConnection,
      maxRetries: options.sniff ? 3 : options.nodes.length - 1,
      // Elkhound gzips bulk bodies itself (off on loopback) and small JSON bodies gain nothing.
      compression: false,
      requestTimeout: this.timeoutMs,
      tls: {
        ...(options.ca ? { ca: options.ca } : {}),
        // A CA fingerprint pins the CA instead of a CA file: Node's own chain check would refuse
        // the cluster's self-made CA, so the client checks the fingerprint (as its docs show).
        rejectUnauthorized:
          options.rejectUnauthorized ?? !(options.caFingerprint !== undefined && !options.ca),
      },
      ...(options.caFingerprint ? { caFingerprint: options.caFingerprint } : {}),
      sniffOnStart: options.sniff === true,
      sniffInterval: options.sniff ? SNIFF_INTERVAL_MS : false,
      sniffOnConnectionFault: options.sniff === true,
      // Plain media types, not the client's versioned `compatible-with=9` ones, which
      // Elasticsearch 8 refuses: Elkhound's requests are the same for 8 and 9.
      headers: { ...PLAIN_JSON, ...options.headers },
    });
  }

  async request(request: TransportRequest): Promise<TransportResponse> {
    try {
      const result = await this.client.transport.request(
        {
          method: request.method,
          path: request.path,
          ...(request.bulkBody !== undefined
            ? { bulkBody: request.bulkBody }
            : request.body !== undefined
              ? { body: request.body as Record<string, unknown> }
              : {}),
          ...(request.querystring ? { querystring: request.querystring } : {}),
        },
        {
          meta: true,
          ...(request.headers ? { headers: request.headers } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        },
      );
      return {
        status: result.statusCode ?? 0,
        headers: result.headers ?? {},
        body: result.body,
      };
    } catch (error) {
      if (error instanceof errors.ResponseError) {
        return {
          status: error.meta.statusCode ?? 0,
          headers: error.meta.headers ?? {},
          body: error.meta.body,
        };
      }
      throw new TransportError(describeError(error, this.timeoutMs), error);
    }
  }

  /** A request whose answer is JSON: `body` parsed, or undefined when it was not JSON. */
  async json<T>(request: TransportRequest): Promise<{ status: number; body: T | undefined }> {
    const response = await this.request(request);
    const body = response.body;
    return {
      status: response.status,
      body: body !== null && typeof body === 'object' ? (body as T) : undefined,
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The client's error in words a person can act on, with the node it concerns. */
function describeError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  const node = (error as { meta?: { meta?: { connection?: { url?: URL } | null } } }).meta?.meta
    ?.connection?.url;
  const where = node ? ` (${node.origin})` : '';
  if (error instanceof errors.TimeoutError) return `no answer within ${timeoutMs} ms${where}`;
  if (error instanceof errors.NoLivingConnectionsError) {
    return 'no Elasticsearch node is alive';
  }
  if (error instanceof errors.ProductNotSupportedError) {
    return `the server${where} is not Elasticsearch (no x-elastic-product header)`;
  }
  return `${error.message}${where}`;
}

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
