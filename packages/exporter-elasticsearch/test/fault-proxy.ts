import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP proxy in front of the real Elasticsearch node that injects the failures a bulk
 * writer must survive. Each request takes the next planned fault (or passes through).
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'item-429' } // forwards, then rewrites the first item of the answer to a 429
  | { kind: 'drop-after-forward' } // forwards, then closes the client connection: ES indexed, client saw nothing
  | { kind: 'drop-before-forward' }
  | { kind: 'hang' }; // reads the request and never answers: the client's timeout must fire

export class FaultProxy {
  readonly faults: Fault[] = [];
  requests = 0;
  private server?: http.Server;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const target = new URL(this.target);
    this.server = http.createServer((incoming, answer) => {
      this.requests++;
      const fault = this.faults.shift();
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        if (fault?.kind === 'status') {
          answer.writeHead(fault.status, {
            'content-type': 'application/json',
            ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
          });
          answer.end(
            JSON.stringify({
              error: { type: 'injected', reason: 'injected fault' },
              status: fault.status,
            }),
          );
          return;
        }
        if (fault?.kind === 'hang') return;
        if (fault?.kind === 'drop-before-forward') {
          incoming.socket.destroy();
          return;
        }
        const forward = http.request(
          {
            hostname: target.hostname,
            port: target.port,
            path: incoming.url,
            method: incoming.method,
            headers: incoming.headers,
          },
          (upstream) => {
            const body: Buffer[] = [];
            upstream.on('data', (chunk: Buffer) => body.push(chunk));
            upstream.on('end', () => {
              if (fault?.kind === 'drop-after-forward') {
                incoming.socket.destroy();
                return;
              }
              let payload = Buffer.concat(body);
              if (fault?.kind === 'item-429') {
                const parsed = JSON.parse(payload.toString('utf8')) as {
                  errors: boolean;
                  items: Array<Record<string, { status: number; error?: unknown }>>;
                };
                const first = parsed.items[0];
                if (first) {
                  const key = Object.keys(first)[0] as string;
                  first[key] = {
                    status: 429,
                    error: { type: 'es_rejected_execution_exception', reason: 'injected' },
                  };
                  parsed.errors = true;
                }
                payload = Buffer.from(JSON.stringify(parsed));
              }
              const headers = { ...upstream.headers };
              delete headers['content-length'];
              delete headers['transfer-encoding'];
              answer.writeHead(upstream.statusCode ?? 502, headers);
              answer.end(payload);
            });
          },
        );
        forward.on('error', () => incoming.socket.destroy());
        forward.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
