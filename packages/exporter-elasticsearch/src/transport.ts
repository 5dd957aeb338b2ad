import http from 'node:http';
import https from 'node:https';
import { validateConnection, type ElasticsearchConnectionOptions } from './connection';

export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface TransportRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * One keep-alive HTTP(S) connection pool to one Elasticsearch URL. It only moves bytes: a
 * non-2xx answer is returned, not thrown; network failures and timeouts reject with
 * `TransportError`, which the retry layer treats as retryable.
 */
export class HttpTransport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly defaultHeaders: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(connection: ElasticsearchConnectionOptions) {
    const options = validateConnection(connection);
    this.base = new URL(options.url);
    const secure = this.base.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 16, keepAliveMsecs: 10_000 };
    this.agent = secure
      ? new https.Agent({
          ...agentOptions,
          ...(options.ca ? { ca: options.ca } : {}),
          rejectUnauthorized: options.rejectUnauthorized ?? true,
        })
      : new http.Agent(agentOptions);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.defaultHeaders = { ...options.headers };
    if (options.apiKey) {
      this.defaultHeaders.authorization = `ApiKey ${options.apiKey}`;
    } else if (options.username !== undefined) {
      const token = Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64');
      this.defaultHeaders.authorization = `Basic ${token}`;
    } else if (this.base.username) {
      const token = Buffer.from(
        `${decodeURIComponent(this.base.username)}:${decodeURIComponent(this.base.password)}`,
      ).toString('base64');
      this.defaultHeaders.authorization = `Basic ${token}`;
    }
  }

  request(request: TransportRequest): Promise<TransportResponse> {
    const basePath = this.base.pathname.replace(/\/$/, '');
    return new Promise((resolve, reject) => {
      const outgoing = (this.base.protocol === 'https:' ? https : http).request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path: basePath + request.path,
          method: request.method,
          agent: this.agent,
          headers: { ...this.defaultHeaders, ...request.headers },
          signal: request.signal,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              body: Buffer.concat(chunks),
            }),
          );
          incoming.on('error', (error) => reject(new TransportError(error.message, error)));
        },
      );
      outgoing.setTimeout(this.timeoutMs, () =>
        outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
      );
      outgoing.on('error', (error) => reject(new TransportError(error.message, error)));
      outgoing.end(request.body);
    });
  }

  async json<T>(request: TransportRequest): Promise<{ status: number; body: T | undefined }> {
    const response = await this.request({
      ...request,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...request.headers,
      },
    });
    const text = response.body.toString('utf8');
    let body: T | undefined;
    try {
      body = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  }

  close(): void {
    this.agent.destroy();
  }
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
