import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { errorFields } from '../log';
import { exportResponse, rpcStatus } from '../protobuf-writer';
import type { SelfMetrics } from '../self-metrics';
import { bearerMatches } from './auth';
import { BUDGET_FULL_MESSAGE, type InFlightBudget, type Reservation } from './budget';
import { inflateWithinBudget } from './inflate';
import type { Ingest, IngestResult } from './ingest';
import { answerRefused } from './refused-body';
import { SIGNALS, type SignalHandler } from './signals';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  maxDecompressedBytes: number;
  /**
   * Request bytes (as received and decompressed) held by all requests at once, shared with the
   * gRPC receiver; over it: 503.
   */
  budget: InFlightBudget;
  authToken: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  ingest: Ingest;
  metrics: SelfMetrics;
  logger: Logger;
  /** `/readyz`: the reasons it is not ready, empty when it is. */
  readiness: () => Promise<string[]>;
}

type Format = 'protobuf' | 'json';

// google.rpc.Code values for the Status body of an error answer.
const GRPC_CODE: Record<number, number> = {
  400: 3,
  401: 16,
  404: 5,
  405: 12,
  413: 3,
  415: 3,
  429: 8,
  503: 14,
};

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * OTLP/HTTP (`POST /v1/traces|logs|metrics`, protobuf or JSON, optionally gzip) and the
 * operations endpoints (`/healthz`, `/readyz`, `/metrics`). Answers follow the OTLP/HTTP spec:
 * the response body in the request's encoding, errors as a google.rpc.Status, 429/503 with
 * Retry-After, which the OpenTelemetry exporters honour.
 */
export class HttpReceiver {
  private readonly server: http.Server;
  private readonly routes = new Map<string, SignalHandler>(
    SIGNALS.map((signal) => [signal.httpPath, signal]),
  );

  constructor(private readonly options: HttpReceiverOptions) {
    const listener = (request: http.IncomingMessage, response: http.ServerResponse): void => {
      this.handle(request, response).catch((error: unknown) => {
        options.logger.error('HTTP request failed inside the receiver', errorFields(error));
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        } else response.destroy();
      });
    };
    this.server = options.tls
      ? https.createServer(
          { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) },
          listener,
        )
      : http.createServer(listener);
    // Slow or stuck clients must not hold sockets (and their buffers) for ever.
    this.server.requestTimeout = 60_000;
    this.server.headersTimeout = 20_000;
    this.server.keepAliveTimeout = 65_000;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting; requests in flight finish. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** Ends every open connection (after the grace period of a shutdown). */
  destroyConnections(): void {
    this.server.closeAllConnections();
  }

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0] as string;
    const signal = this.routes.get(path);
    if (!signal) return this.operations(path, request, response);
    const format = formatOf(request.headers['content-type']);
    // The bytes of the in-flight budget this request holds; given back when it is answered.
    const reservation = this.options.budget.reservation();
    try {
      if (request.method !== 'POST') {
        response.setHeader('allow', 'POST');
        throw new HttpProblem(
          405,
          `${request.method ?? '?'} is not allowed on ${path}; expected POST`,
        );
      }
      if (
        this.options.authToken !== undefined &&
        !bearerMatches(request.headers.authorization, this.options.authToken)
      ) {
        response.setHeader('www-authenticate', 'Bearer');
        throw new HttpProblem(401, 'missing or wrong bearer token');
      }
      if (format === undefined) {
        throw new HttpProblem(
          415,
          `content type "${request.headers['content-type'] ?? ''}" is not supported; expected application/x-protobuf or application/json`,
        );
      }
      const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') {
        throw new HttpProblem(
          415,
          `content encoding "${encoding}" is not supported; expected gzip or none`,
        );
      }
      const body = await this.readBody(request, encoding === 'gzip', reservation);
      const result = await this.options.ingest.accept(signal, body, format);
      this.answer(response, signal, format, result);
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      this.options.metrics.countRequest('http', signal.name, String(error.status));
      if (error.status === 503) response.setHeader('retry-after', '1');
      // A refused body may not have arrived yet: its client is answered at once and the rest
      // is read and discarded, so that the client sees the answer (see refused-body.ts).
      const { headers, body } = errorAnswer(error.status, format ?? 'json', error.message);
      answerRefused(request, response, error.status, headers, body);
    } finally {
      reservation.release();
    }
  }

  /** Takes `bytes` more of the in-flight budget for a request, or refuses with a 503. */
  private reserve(reservation: Reservation, bytes: number): void {
    if (!reservation.grow(bytes)) throw new HttpProblem(503, BUDGET_FULL_MESSAGE);
  }

  private answer(
    response: http.ServerResponse,
    signal: SignalHandler,
    format: Format,
    result: IngestResult,
  ): void {
    switch (result.kind) {
      case 'accepted': {
        this.options.metrics.countRequest('http', signal.name, '200');
        // Items refused one by one are reported as the OTLP partial success, with a 200.
        const body =
          format === 'protobuf'
            ? exportResponse(result.rejected, result.rejectedMessage)
            : Buffer.from(
                result.rejected === 0
                  ? '{}'
                  : JSON.stringify({
                      partialSuccess: {
                        [signal.rejectedField]: result.rejected,
                        errorMessage: result.rejectedMessage,
                      },
                    }),
              );
        response
          .writeHead(200, {
            'content-type': format === 'protobuf' ? 'application/x-protobuf' : 'application/json',
            'content-length': body.length,
          })
          .end(body);
        return;
      }
      case 'invalid':
        this.options.metrics.countRequest('http', signal.name, '400');
        return sendError(response, 400, format, result.message);
      case 'full':
        this.options.metrics.countRequest('http', signal.name, '429');
        response.setHeader('retry-after', String(result.retryAfterSeconds));
        return sendError(
          response,
          429,
          format,
          'the queue is full while Elasticsearch catches up; retry later',
        );
      case 'unavailable':
        this.options.metrics.countRequest('http', signal.name, '503');
        response.setHeader('retry-after', String(result.retryAfterSeconds));
        return sendError(response, 503, format, result.message);
    }
  }

  /**
   * The body, with the request size limit enforced on Content-Length first and then on the bytes
   * actually received, and gunzip capped at the decompressed limit (gzip bombs stop there).
   */
  private async readBody(
    request: http.IncomingMessage,
    gzipped: boolean,
    reservation: Reservation,
  ): Promise<Buffer> {
    const limit = this.options.maxRequestBytes;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      throw new HttpProblem(
        413,
        `request body of ${declared} bytes is over the limit of ${limit} bytes`,
      );
    }
    // The declared length is taken from the budget up front; a body without one as it arrives.
    if (Number.isFinite(declared) && declared > 0) this.reserve(reservation, declared);
    const chunks: Buffer[] = [];
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        received += chunk.length;
        let problem: HttpProblem | undefined;
        if (received > limit) {
          problem = new HttpProblem(413, `request body is over the limit of ${limit} bytes`);
        } else if (received > reservation.bytes) {
          try {
            this.reserve(reservation, received - reservation.bytes);
          } catch (error) {
            problem = error as HttpProblem;
          }
        }
        if (problem) {
          request.off('data', onData);
          request.pause();
          reject(problem);
          return;
        }
        chunks.push(chunk);
      };
      request.on('data', onData);
      request.once('end', resolve);
      request.once('error', reject);
      request.once('aborted', () => reject(new HttpProblem(400, 'the client aborted the request')));
    });
    const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
    if (!gzipped) return raw;
    // Inflated as a stream, each chunk charged to the budget as it comes (inflate.ts).
    const inflatedLimit = this.options.maxDecompressedBytes;
    const inflated = await inflateWithinBudget(raw, 'gzip', inflatedLimit, reservation);
    switch (inflated.kind) {
      case 'inflated':
        return inflated.body;
      case 'too-large':
        throw new HttpProblem(
          413,
          `request body is over the limit of ${inflatedLimit} bytes once decompressed`,
        );
      case 'busy':
        throw new HttpProblem(503, BUDGET_FULL_MESSAGE);
      case 'corrupt':
        throw new HttpProblem(400, `request body is ${inflated.message}`);
    }
  }

  private async operations(
    path: string,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') {
      return text(404, `no such path: ${path}; OTLP goes to /v1/traces, /v1/logs, /v1/metrics\n`);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return text(405, `${request.method ?? '?'} is not allowed on ${path}; expected GET\n`);
    }
    if (path === '/healthz') return text(200, 'ok\n');
    if (path === '/metrics') {
      return text(200, this.options.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
    }
    const problems = await this.options.readiness();
    return problems.length === 0
      ? text(200, 'ready\n')
      : text(503, `not ready: ${problems.join('; ')}\n`);
  }
}

function formatOf(contentType: string | undefined): Format | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/** An error answer: a google.rpc.Status in the request's encoding, as OTLP/HTTP wants. */
function errorAnswer(
  status: number,
  format: Format,
  message: string,
): { headers: http.OutgoingHttpHeaders; body: Buffer } {
  const code = GRPC_CODE[status] ?? 2;
  const body =
    format === 'protobuf'
      ? rpcStatus(code, message)
      : Buffer.from(JSON.stringify({ code, message }));
  const contentType = format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  return { headers: { 'content-type': contentType, 'content-length': body.length }, body };
}

function sendError(
  response: http.ServerResponse,
  status: number,
  format: Format,
  message: string,
): void {
  const { headers, body } = errorAnswer(status, format, message);
  response.writeHead(status, headers).end(body);
}
