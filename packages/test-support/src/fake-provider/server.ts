import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A request the fake provider received. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The body as it arrived (markers are looked for in it). */
  text: string;
}

// dist/fake-provider/server.js → packages/test-support/fixtures
const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const cache = new Map<string, string>();

/** The text of a fixture file, e.g. `openai/chat-completion.json`. */
export function fixture(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(FIXTURES, name), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** The `[fixture:NAME]` marker of a request, if its body has one. */
export function markerOf(request: RecordedRequest): string | undefined {
  return /\[fixture:([a-z_]+)\]/.exec(request.text)?.[1];
}

/** Sends an SSE fixture event by event, as a real stream arrives. */
export function sendEvents(
  answer: http.ServerResponse,
  text: string,
  headers: http.OutgoingHttpHeaders,
  options: { hangAfter?: number; gapMs?: number } = {},
): void {
  answer.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8' });
  // Each event framed by exactly one blank line, as an API sends it (a fixture file's final newline
  // is not part of its last event).
  const events = text
    .split('\n\n')
    .map((event) => event.replace(/\n+$/, ''))
    .filter((event) => event.trim());
  let index = 0;
  const next = () => {
    if (answer.destroyed) return;
    // A stream that stops sending (to test aborts and abandoned streams): kept open until the
    // client goes away or the server stops.
    if (options.hangAfter !== undefined && index >= options.hangAfter) return;
    if (index >= events.length) {
      answer.end();
      return;
    }
    answer.write(`${events[index++] as string}\n\n`);
    if (options.gapMs) setTimeout(next, options.gapMs);
    else setImmediate(next);
  };
  next();
}

export type Responder = (request: RecordedRequest, answer: http.ServerResponse) => void;

/**
 * A local HTTP server standing in for an LLM provider: it records every request and lets a
 * provider-specific responder answer from fixture files.
 */
export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  /** Origin of the server, e.g. http://127.0.0.1:PORT */
  origin = '';

  constructor(private readonly responder: Responder) {}

  async start(): Promise<string> {
    this.server = http.createServer((incoming, answer) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const url = new URL(incoming.url ?? '/', 'http://localhost');
        let body: Record<string, unknown> = {};
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          answer.writeHead(400, { 'content-type': 'application/json' });
          answer.end(
            '{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}',
          );
          return;
        }
        const request: RecordedRequest = {
          method: incoming.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: incoming.headers,
          body,
          text,
        };
        this.requests.push(request);
        this.responder(request, answer);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
