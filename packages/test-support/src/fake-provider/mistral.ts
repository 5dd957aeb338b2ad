import type http from 'node:http';
import { FakeProviderServer, fixture, markerOf, sendEvents, type RecordedRequest } from './server';

const ERRORS: Record<string, { status: number; file: string }> = {
  unauthorized: { status: 401, file: 'mistral/error-401.json' },
  rate_limit: { status: 429, file: 'mistral/error-429.json' },
  context_length: { status: 400, file: 'mistral/error-400-context-length.json' },
  server_error: { status: 500, file: 'mistral/error-500.json' },
};

function json(answer: http.ServerResponse, status: number, text: string): void {
  answer.writeHead(status, { 'content-type': 'application/json' });
  answer.end(text);
}

/**
 * Mistral's API: `POST /v1/chat/completions` (JSON, or SSE with `stream`), `POST /v1/embeddings`;
 * a `[fixture:NAME]` marker in the body picks an error of ERRORS.
 */
export function respondLikeMistral(request: RecordedRequest, answer: http.ServerResponse): void {
  const marker = markerOf(request);
  const error = marker ? ERRORS[marker] : undefined;
  if (error) {
    json(answer, error.status, fixture(error.file));
    return;
  }
  if (request.method === 'POST' && request.path === '/v1/chat/completions') {
    // Events a few milliseconds apart, as the API sends them while generating. (@mistralai/mistralai
    // 1.5 loses the events after the first when several arrive in one read — its `[DONE]`
    // filter does not restart its scan after cutting its buffer — so a burst would drop the
    // final chunk and its usage; docs/sdks.md.)
    if (request.body.stream === true)
      sendEvents(answer, fixture('mistral/chat-stream.sse'), {}, { gapMs: 15 });
    else json(answer, 200, fixture('mistral/chat-completion.json'));
    return;
  }
  if (request.method === 'POST' && request.path === '/v1/embeddings') {
    json(answer, 200, fixture('mistral/embeddings.json'));
    return;
  }
  json(answer, 404, '{"detail":"Not Found"}');
}

/** A local server shaped like Mistral's API (the SDK's `serverURL` is its origin). */
export class FakeMistral extends FakeProviderServer {
  constructor() {
    super(respondLikeMistral);
  }
}
