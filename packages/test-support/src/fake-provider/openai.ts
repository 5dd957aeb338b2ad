import type http from 'node:http';
import { FakeProviderServer, fixture, markerOf, sendEvents, type RecordedRequest } from './server';

/**
 * Errors chosen by a `[fixture:NAME]` marker anywhere in the request body, with the status,
 * body and headers OpenAI (or Azure OpenAI, for content_filter) answers them with.
 */
const ERRORS: Record<string, { status: number; file: string; headers?: Record<string, string> }> = {
  rate_limit: {
    status: 429,
    file: 'openai/error-429.json',
    headers: { 'retry-after-ms': '10', 'x-should-retry': 'false' },
  },
  context_length: { status: 400, file: 'openai/error-400-context-length.json' },
  content_filter: { status: 400, file: 'openai/error-400-content-filter.json' },
  unauthorized: { status: 401, file: 'openai/error-401.json' },
  forbidden: { status: 403, file: 'openai/error-403.json' },
  server_error: {
    status: 500,
    file: 'openai/error-500.json',
    headers: { 'x-should-retry': 'false' },
  },
};

const FIXTURE_MODEL_MEMBER = /"model":\s*"gpt-4o-mini-2024-07-18"/g;

/**
 * The fixtures answer as gpt-4o-mini; another requested model is echoed back as the response
 * model, as OpenAI-compatible servers do for their own models.
 */
function withModel(text: string, model: unknown): string {
  if (typeof model !== 'string' || model.startsWith('gpt-4o-mini')) return text;
  return text.replace(FIXTURE_MODEL_MEMBER, `"model": ${JSON.stringify(model)}`);
}

function json(answer: http.ServerResponse, status: number, text: string, headers: object): void {
  answer.writeHead(status, { ...headers, 'content-type': 'application/json' });
  answer.end(text);
}

/**
 * How the fixture is chosen (documented here so tests can rely on it):
 * - a `[fixture:NAME]` marker: an error of ERRORS, `malformed` (a 200 with a cut JSON body),
 *   `no_answer` (headers never sent: for client timeouts),
 *   `stream_error` (a chat stream whose third event is an error object), `slow_stream` (a chat
 *   stream that sends one chunk and then nothing until the client goes away);
 * - `POST …/chat/completions`: with `tools` and no tool result as the last message, a tool call
 *   (streamed as deltas when `stream`); streams by `stream_options.include_usage` (a final usage
 *   chunk); whole responses by `n >= 2` (two choices), `response_format` json (a JSON answer);
 * - `POST …/responses`: `stream` picks the SSE event stream;
 * - `POST …/embeddings`.
 * Azure's `/openai/deployments/{deployment}/…?api-version=` paths are served alike.
 */
export function respondLikeOpenAI(request: RecordedRequest, answer: http.ServerResponse): void {
  const { path, body } = request;
  const marker = markerOf(request);
  const headers = {
    'x-request-id': `req_${Date.now().toString(36)}`,
    'openai-processing-ms': '312',
    'openai-version': '2020-10-01',
  };
  const error = marker ? ERRORS[marker] : undefined;
  if (error) {
    json(answer, error.status, fixture(error.file), { ...headers, ...error.headers });
    return;
  }
  if (marker === 'no_answer') return; // the client's timeout or abort ends it
  if (marker === 'malformed') {
    json(answer, 200, fixture('openai/chat-malformed.json'), headers);
    return;
  }
  const stream = body.stream === true;
  if (path.endsWith('/chat/completions')) {
    // Tools offered and no tool result yet: the model calls a tool (so runTools() loops once).
    const messages = Array.isArray(body.messages)
      ? (body.messages as Array<{ role?: string }>)
      : [];
    const callsTool = Array.isArray(body.tools) && messages[messages.length - 1]?.role !== 'tool';
    if (stream) {
      const includeUsage =
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const file =
        marker === 'stream_error'
          ? 'openai/chat-stream-error.sse'
          : callsTool
            ? 'openai/chat-tool-calls-stream.sse'
            : includeUsage
              ? 'openai/chat-stream.sse'
              : 'openai/chat-stream-no-usage.sse';
      sendEvents(
        answer,
        withModel(fixture(file), body.model),
        headers,
        marker === 'slow_stream' ? { hangAfter: 2 } : {},
      );
      return;
    }
    const format = (body.response_format as { type?: string } | undefined)?.type;
    const file = callsTool
      ? 'openai/chat-tool-calls.json'
      : typeof body.n === 'number' && body.n >= 2
        ? 'openai/chat-two-choices.json'
        : format === 'json_object' || format === 'json_schema'
          ? 'openai/chat-json.json'
          : 'openai/chat-completion.json';
    json(answer, 200, withModel(fixture(file), body.model), headers);
    return;
  }
  if (path.endsWith('/responses')) {
    if (stream)
      sendEvents(answer, withModel(fixture('openai/responses-stream.sse'), body.model), headers);
    else json(answer, 200, withModel(fixture('openai/responses.json'), body.model), headers);
    return;
  }
  if (path.endsWith('/embeddings')) {
    json(answer, 200, fixture('openai/embeddings.json'), headers);
    return;
  }
  json(
    answer,
    404,
    `{"error":{"message":"Invalid URL (${request.method} ${path})","type":"invalid_request_error","param":null,"code":null}}`,
    headers,
  );
}

/** A local server shaped like OpenAI's API (and Azure OpenAI's deployment paths). */
export class FakeOpenAI extends FakeProviderServer {
  /** Base URL for the SDK, e.g. http://127.0.0.1:PORT/v1 */
  baseURL = '';

  constructor() {
    super(respondLikeOpenAI);
  }

  override async start(): Promise<string> {
    const origin = await super.start();
    this.baseURL = `${origin}/v1`;
    return this.baseURL;
  }
}
