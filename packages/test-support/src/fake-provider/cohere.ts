import type http from 'node:http';
import { FakeProviderServer, fixture, markerOf, sendEvents, type RecordedRequest } from './server';

const ERRORS: Record<string, { status: number; file: string }> = {
  unauthorized: { status: 401, file: 'cohere/error-401.json' },
  rate_limit: { status: 429, file: 'cohere/error-429.json' },
  context_length: { status: 400, file: 'cohere/error-400-context-length.json' },
  server_error: { status: 500, file: 'cohere/error-500.json' },
};

function json(answer: http.ServerResponse, status: number, text: string): void {
  answer.writeHead(status, { 'content-type': 'application/json' });
  answer.end(text);
}

/**
 * Cohere's API: `POST /v1/chat` (JSON, or with `stream` newline-delimited JSON events),
 * `POST /v2/chat` (JSON, or with `stream` server-sent events ending with `[DONE]`),
 * `/v1/embed`, `/v2/embed`, `/v1/rerank`, `/v2/rerank`; a `[fixture:NAME]` marker picks an error.
 */
export function respondLikeCohere(request: RecordedRequest, answer: http.ServerResponse): void {
  const marker = markerOf(request);
  const error = marker ? ERRORS[marker] : undefined;
  if (error) {
    json(answer, error.status, fixture(error.file));
    return;
  }
  const stream = request.body.stream === true;
  switch (`${request.method} ${request.path}`) {
    case 'POST /v1/chat':
      if (stream) {
        answer.writeHead(200, { 'content-type': 'application/stream+json' });
        answer.end(fixture('cohere/chat-stream-v1.ndjson'));
      } else json(answer, 200, fixture('cohere/chat-v1.json'));
      return;
    case 'POST /v2/chat':
      if (stream) sendEvents(answer, fixture('cohere/chat-stream-v2.sse'), {});
      else json(answer, 200, fixture('cohere/chat-v2.json'));
      return;
    case 'POST /v1/embed':
      json(answer, 200, fixture('cohere/embed-v1.json'));
      return;
    case 'POST /v2/embed':
      json(answer, 200, fixture('cohere/embed-v2.json'));
      return;
    case 'POST /v1/rerank':
    case 'POST /v2/rerank':
      json(answer, 200, fixture('cohere/rerank.json'));
      return;
    default:
      json(answer, 404, '{"message":"not found"}');
  }
}

/** A local server shaped like Cohere's API (the SDK's `environment` is its origin). */
export class FakeCohere extends FakeProviderServer {
  constructor() {
    super(respondLikeCohere);
  }
}
