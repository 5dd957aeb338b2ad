import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A local stand-in for an LLM provider's HTTP API: it replays fixture files shaped exactly like
 * the provider's responses (JSON bodies, SSE streams with usage blocks, error bodies). The
 * fixture is chosen from the request: path, `stream`, `stream_options.include_usage`, and a
 * `[fixture:NAME]` marker anywhere in the request body for errors. It records every request.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const FIXTURES = join(__dirname, '..', 'fixtures');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

const ERRORS: Record<string, { status: number; file: string; headers?: Record<string, string> }> = {
  rate_limit: {
    status: 429,
    file: 'openai/error-429.json',
    headers: { 'retry-after-ms': '10', 'x-should-retry': 'false' },
  },
  context_length: { status: 400, file: 'openai/error-400-context-length.json' },
  unauthorized: { status: 401, file: 'openai/error-401.json' },
  server_error: {
    status: 500,
    file: 'openai/error-429.json',
    headers: { 'x-should-retry': 'false' },
  },
};

/**
 * The fixtures answer as gpt-4o-mini; another requested model is echoed back as the response
 * model, as OpenAI-compatible servers do for their own models.
 */
function withModel(text: string, model: unknown): string {
  if (typeof model !== 'string' || model.startsWith('gpt-4o-mini')) return text;
  const parsed = JSON.parse(text) as { model: string };
  parsed.model = model;
  return JSON.stringify(parsed);
}

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  /** Base URL for the SDK, e.g. http://127.0.0.1:PORT/v1 */
  baseURL = '';

  async start(): Promise<string> {
    this.server = http.createServer((incoming, answer) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
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
        this.requests.push({
          method: incoming.method ?? '',
          path: incoming.url ?? '',
          headers: incoming.headers,
          body,
        });
        this.respond(incoming.url ?? '', body, text, answer);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseURL = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this.baseURL;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private respond(
    path: string,
    body: Record<string, unknown>,
    text: string,
    answer: http.ServerResponse,
  ): void {
    const marker = /\[fixture:([a-z_]+)\]/.exec(text)?.[1];
    const headers = {
      'content-type': 'application/json',
      'x-request-id': `req_${this.requests.length}`,
      'openai-processing-ms': '312',
    };
    if (marker && ERRORS[marker]) {
      const error = ERRORS[marker];
      answer.writeHead(error.status, { ...headers, ...error.headers });
      answer.end(fixture(error.file));
      return;
    }
    if (path.endsWith('/chat/completions')) {
      if (body.stream === true) {
        const includeUsage =
          (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
        answer.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8' });
        const events = fixture(
          includeUsage ? 'openai/chat-stream.sse' : 'openai/chat-stream-no-usage.sse',
        ).split('\n\n');
        // Send the events one by one, as a real stream arrives.
        let index = 0;
        const next = () => {
          if (index >= events.length || answer.destroyed) return answer.end();
          const event = events[index++] as string;
          if (event.trim()) answer.write(`${event}\n\n`);
          setImmediate(next);
        };
        next();
        return;
      }
      answer.writeHead(200, headers);
      answer.end(withModel(fixture('openai/chat-completion.json'), body.model));
      return;
    }
    if (path.endsWith('/embeddings')) {
      answer.writeHead(200, headers);
      answer.end(fixture('openai/embeddings.json'));
      return;
    }
    answer.writeHead(404, headers);
    answer.end(
      `{"error":{"message":"Invalid URL (POST ${path})","type":"invalid_request_error","param":null,"code":null}}`,
    );
  }
}
