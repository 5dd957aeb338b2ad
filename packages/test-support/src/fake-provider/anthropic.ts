import type http from 'node:http';
import { FakeProviderServer, fixture, markerOf, sendEvents, type RecordedRequest } from './server';

/** Errors chosen by a `[fixture:NAME]` marker in the request body, as the Messages API answers them. */
const ERRORS: Record<string, { status: number; file: string; headers?: Record<string, string> }> = {
  unauthorized: { status: 401, file: 'anthropic/error-401.json' },
  forbidden: { status: 403, file: 'anthropic/error-403.json' },
  rate_limit: {
    status: 429,
    file: 'anthropic/error-429.json',
    headers: { 'retry-after': '1', 'anthropic-ratelimit-requests-remaining': '0' },
  },
  context_length: { status: 400, file: 'anthropic/error-400-context-length.json' },
  invalid: { status: 400, file: 'anthropic/error-400.json' },
  server_error: { status: 500, file: 'anthropic/error-500.json' },
  overloaded: { status: 529, file: 'anthropic/error-529.json' },
};

const FIXTURE_MODEL_MEMBER = /"model":\s*"claude-sonnet-4-20250514"/g;

/** The fixtures answer as claude-sonnet-4; another requested model is echoed back. */
function withModel(text: string, model: unknown): string {
  if (typeof model !== 'string' || model === 'claude-sonnet-4-20250514') return text;
  return text.replace(FIXTURE_MODEL_MEMBER, `"model": ${JSON.stringify(model)}`);
}

/**
 * How the fixture is chosen:
 * - a `[fixture:NAME]` marker: an error of ERRORS; `stream_error` (a stream whose fourth event
 *   is an `error` event); `slow_stream` (two events, then nothing until the client goes away);
 * - `POST /v1/messages`: tools offered and no tool result as the last message → a tool call
 *   (JSON only); `thinking` enabled and `stream` → the extended-thinking stream; `stream` → the
 *   text stream; otherwise the text message (with cache reads and 5-minute/1-hour cache writes).
 */
export function respondLikeAnthropic(request: RecordedRequest, answer: http.ServerResponse): void {
  const { path, body } = request;
  const marker = markerOf(request);
  const headers = { 'request-id': `req_${Date.now().toString(36)}`, 'x-should-retry': 'false' };
  const error = marker ? ERRORS[marker] : undefined;
  if (error) {
    answer.writeHead(error.status, {
      ...headers,
      ...error.headers,
      'content-type': 'application/json',
    });
    answer.end(fixture(error.file));
    return;
  }
  if (request.method !== 'POST' || path !== '/v1/messages') {
    answer.writeHead(404, { ...headers, 'content-type': 'application/json' });
    answer.end(
      `{"type":"error","error":{"type":"not_found_error","message":"Not found: ${request.method} ${path}"}}`,
    );
    return;
  }
  if (body.stream === true) {
    const thinking = (body.thinking as { type?: string } | undefined)?.type === 'enabled';
    const file =
      marker === 'stream_error'
        ? 'anthropic/message-stream-error.sse'
        : thinking
          ? 'anthropic/message-thinking-stream.sse'
          : 'anthropic/message-stream.sse';
    sendEvents(
      answer,
      withModel(fixture(file), body.model),
      headers,
      marker === 'slow_stream' ? { hangAfter: 2 } : {},
    );
    return;
  }
  const messages = Array.isArray(body.messages)
    ? (body.messages as Array<{ content?: unknown }>)
    : [];
  const last = messages[messages.length - 1]?.content;
  const answeredTool =
    Array.isArray(last) && last.some((block: { type?: string }) => block?.type === 'tool_result');
  const file =
    Array.isArray(body.tools) && !answeredTool
      ? 'anthropic/message-tool-use.json'
      : 'anthropic/message.json';
  answer.writeHead(200, { ...headers, 'content-type': 'application/json' });
  answer.end(withModel(fixture(file), body.model));
}

/** A local server shaped like Anthropic's Messages API. */
export class FakeAnthropic extends FakeProviderServer {
  /** Base URL for the SDK (it appends /v1/messages), e.g. http://127.0.0.1:PORT */
  baseURL = '';

  constructor() {
    super(respondLikeAnthropic);
  }

  override async start(): Promise<string> {
    this.baseURL = await super.start();
    return this.baseURL;
  }
}
