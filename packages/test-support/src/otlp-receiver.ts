import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpJsonSpan {
  name: string;
  kind: number;
  traceId: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpJsonTraces {
  resourceSpans: Array<{
    resource?: { attributes?: OtlpJsonSpan['attributes'] };
    scopeSpans: Array<{ spans: OtlpJsonSpan[] }>;
  }>;
}

/** A local OTLP/HTTP receiver (`http/json`), collecting what an SDK's exporters send. */
export class OtlpJsonReceiver {
  readonly bodies: Record<string, unknown[]> = {};
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((incoming, answer) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const path = incoming.url ?? '';
        (this.bodies[path] ??= []).push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        answer.writeHead(200, { 'content-type': 'application/json' });
        answer.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  spans(): OtlpJsonSpan[] {
    return ((this.bodies['/v1/traces'] ?? []) as OtlpJsonTraces[]).flatMap((body) =>
      body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** The value of one attribute of an OTLP/JSON span (`{ stringValue: … }` → the value). */
export function otlpAttribute(span: OtlpJsonSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
}
