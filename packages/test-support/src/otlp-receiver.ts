import http from 'node:http';
import type { AddressInfo } from 'node:net';

type OtlpJsonAttributes = Array<{ key: string; value: Record<string, unknown> }>;

export interface OtlpJsonSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: OtlpJsonAttributes;
}
export interface OtlpJsonLogRecord {
  body?: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
  attributes: OtlpJsonAttributes;
}
interface OtlpJsonTraces {
  resourceSpans: Array<{
    resource?: { attributes?: OtlpJsonAttributes };
    scopeSpans: Array<{ spans: OtlpJsonSpan[] }>;
  }>;
}
interface OtlpJsonLogs {
  resourceLogs: Array<{ scopeLogs: Array<{ logRecords: OtlpJsonLogRecord[] }> }>;
}

/**
 * A local OTLP/HTTP receiver collecting what an SDK's exporters send: `http/json` bodies are
 * parsed; the content type of every request is kept, so a test can tell the protocol used.
 */
export class OtlpJsonReceiver {
  readonly bodies: Record<string, unknown[]> = {};
  /** The content type of each request, by path, in order of arrival. */
  readonly contentTypes: Record<string, string[]> = {};
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((incoming, answer) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const path = incoming.url ?? '';
        const type = incoming.headers['content-type'] ?? '';
        (this.contentTypes[path] ??= []).push(type);
        if (type.startsWith('application/json')) {
          (this.bodies[path] ??= []).push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          answer.writeHead(200, { 'content-type': 'application/json' });
          answer.end('{}');
        } else {
          // An empty protobuf message is an empty body: the export succeeded, nothing rejected.
          answer.writeHead(200, { 'content-type': type });
          answer.end();
        }
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

  logRecords(): OtlpJsonLogRecord[] {
    return ((this.bodies['/v1/logs'] ?? []) as OtlpJsonLogs[]).flatMap((body) =>
      body.resourceLogs.flatMap((resource) =>
        resource.scopeLogs.flatMap((scope) => scope.logRecords),
      ),
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** The value of one attribute of an OTLP/JSON span or log record (`{ stringValue: … }` → the value). */
export function otlpAttribute(item: { attributes: OtlpJsonAttributes }, key: string): unknown {
  const value = item.attributes.find((entry) => entry.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
}
