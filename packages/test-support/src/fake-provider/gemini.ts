import type http from 'node:http';
import { FakeProviderServer, fixture, markerOf, sendEvents, type RecordedRequest } from './server';

/** Errors chosen by a `[fixture:NAME]` marker in the request body, as the Gemini API answers them. */
const ERRORS: Record<string, { status: number; file: string }> = {
  unauthorized: { status: 400, file: 'gemini/error-400-api-key.json' },
  forbidden: { status: 403, file: 'gemini/error-403.json' },
  rate_limit: { status: 429, file: 'gemini/error-429.json' },
  context_length: { status: 400, file: 'gemini/error-400-context-length.json' },
  server_error: { status: 500, file: 'gemini/error-500.json' },
  overloaded: { status: 503, file: 'gemini/error-503.json' },
};

const FIXTURE_MODEL = /"modelVersion":\s*"gemini-2\.5-flash"/g;

function withModel(text: string, model: string): string {
  return model === 'gemini-2.5-flash'
    ? text
    : text.replace(FIXTURE_MODEL, `"modelVersion": ${JSON.stringify(model)}`);
}

function json(answer: http.ServerResponse, status: number, text: string): void {
  answer.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  answer.end(text);
}

/**
 * The Gemini API (`/v1beta/models/{model}:{method}`) and Vertex AI's
 * (`/v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}`):
 * `generateContent` (a function call when tools are offered and no function response is the last
 * part), `streamGenerateContent?alt=sse` (an SSE stream of responses), `embedContent` and
 * `batchEmbedContents`; a `[fixture:NAME]` marker picks an error of ERRORS, `[fixture:slow]` makes
 * `generateContent` answer after 1.5 s.
 */
export function respondLikeGemini(request: RecordedRequest, answer: http.ServerResponse): void {
  const marker = markerOf(request);
  const error = marker ? ERRORS[marker] : undefined;
  if (error) {
    json(answer, error.status, fixture(error.file));
    return;
  }
  const match = /\/models\/([^/:]+):(\w+)$/.exec(request.path);
  if (request.method !== 'POST' || !match) {
    json(answer, 404, '{"error":{"code":404,"message":"Not found","status":"NOT_FOUND"}}');
    return;
  }
  const [, model, method] = match as unknown as [string, string, string];
  if (marker === 'slow' && method === 'generateContent') {
    // Answers after the client's timeout (or the app's abort) has fired.
    setTimeout(() => {
      if (!answer.destroyed)
        json(answer, 200, withModel(fixture('gemini/generate-content.json'), model));
    }, 1500).unref();
    return;
  }
  switch (method) {
    case 'generateContent': {
      const contents = Array.isArray(request.body.contents)
        ? (request.body.contents as Array<{ parts?: Array<Record<string, unknown>> }>)
        : [];
      const lastParts = contents[contents.length - 1]?.parts ?? [];
      const callsTool =
        Array.isArray(request.body.tools) && !lastParts.some((part) => 'functionResponse' in part);
      json(
        answer,
        200,
        withModel(
          fixture(
            callsTool
              ? 'gemini/generate-content-function-call.json'
              : 'gemini/generate-content.json',
          ),
          model,
        ),
      );
      return;
    }
    case 'streamGenerateContent':
      sendEvents(
        answer,
        withModel(fixture('gemini/stream-generate-content.sse'), model),
        {},
        marker === 'slow_stream' ? { hangAfter: 1 } : {},
      );
      return;
    case 'embedContent':
      json(answer, 200, fixture('gemini/embed-content.json'));
      return;
    case 'batchEmbedContents':
      json(answer, 200, fixture('gemini/batch-embed-contents.json'));
      return;
    default:
      json(
        answer,
        404,
        `{"error":{"code":404,"message":"Method ${method} not found","status":"NOT_FOUND"}}`,
      );
  }
}

/** A local server shaped like the Gemini API (and Vertex AI's publisher model paths). */
export class FakeGemini extends FakeProviderServer {
  constructor() {
    super(respondLikeGemini);
  }
}
