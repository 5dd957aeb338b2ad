import type http from 'node:http';
import { crc32 } from 'node:zlib';
import { FakeProviderServer, fixture, markerOf, type RecordedRequest } from './server';

const ERRORS: Record<string, { status: number; type: string; file: string }> = {
  rate_limit: { status: 429, type: 'ThrottlingException', file: 'bedrock/error-429.json' },
  context_length: {
    status: 400,
    type: 'ValidationException',
    file: 'bedrock/error-400-context-length.json',
  },
  forbidden: { status: 403, type: 'AccessDeniedException', file: 'bedrock/error-403.json' },
  server_error: { status: 500, type: 'InternalServerException', file: 'bedrock/error-500.json' },
};

/**
 * One message of the AWS event stream framing (`application/vnd.amazon.eventstream`): total length
 * and headers length (big-endian uint32), the CRC32 of those 8 bytes, the headers (name length,
 * name, type 7 = string, value length, value), the payload, the CRC32 of all that precedes it.
 */
export function eventStreamMessage(headers: Record<string, string>, payload: Uint8Array): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const valueBytes = Buffer.from(value, 'utf8');
    const header = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
    let offset = header.writeUInt8(nameBytes.length, 0);
    offset += nameBytes.copy(header, offset);
    offset = header.writeUInt8(7, offset);
    offset = header.writeUInt16BE(valueBytes.length, offset);
    valueBytes.copy(header, offset);
    headerParts.push(header);
  }
  const headerBytes = Buffer.concat(headerParts);
  const total = 12 + headerBytes.length + payload.length + 4;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headerBytes.copy(message, 12);
  Buffer.from(payload).copy(message, 12 + headerBytes.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

function event(type: string, body: unknown): Buffer {
  return eventStreamMessage(
    { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(JSON.stringify(body), 'utf8'),
  );
}

function sendFrames(answer: http.ServerResponse, frames: Buffer[]): void {
  answer.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-requestid': 'bedrock-stream-request',
  });
  let index = 0;
  const next = () => {
    if (answer.destroyed) return;
    if (index >= frames.length) {
      answer.end();
      return;
    }
    answer.write(frames[index++]);
    setImmediate(next);
  };
  next();
}

/** Which InvokeModel body a model id answers with (the family's own shape). */
function family(modelId: string): string {
  const vendor = decodeURIComponent(modelId)
    .replace(/^arn:.*\//, '')
    .replace(/^(us|eu|apac|global)\./, '')
    .split('.')[0];
  return ['anthropic', 'meta', 'amazon', 'mistral', 'cohere'].includes(vendor ?? '')
    ? (vendor as string)
    : 'anthropic';
}

/**
 * Bedrock Runtime's REST API: `POST /model/{modelId}/converse`, `/converse-stream`, `/invoke`,
 * `/invoke-with-response-stream` (the streams in the AWS event stream framing); a
 * `[fixture:NAME]` marker picks an error, answered with its `x-amzn-errortype` header.
 */
export function respondLikeBedrock(request: RecordedRequest, answer: http.ServerResponse): void {
  const marker = markerOf(request);
  const error = marker ? ERRORS[marker] : undefined;
  if (error) {
    answer.writeHead(error.status, {
      'content-type': 'application/json',
      'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      'x-amzn-requestid': 'bedrock-error-request',
    });
    answer.end(fixture(error.file));
    return;
  }
  const match =
    /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.exec(
      request.path,
    );
  if (request.method !== 'POST' || !match) {
    answer.writeHead(404, {
      'content-type': 'application/json',
      'x-amzn-errortype': 'UnknownOperationException',
    });
    answer.end('{"message":"Unknown operation"}');
    return;
  }
  const [, modelId, operation] = match as unknown as [string, string, string];
  const headers = {
    'content-type': 'application/json',
    'x-amzn-requestid': `bedrock-${operation}-request`,
  };
  switch (operation) {
    case 'converse':
      answer.writeHead(200, headers);
      answer.end(fixture('bedrock/converse.json'));
      return;
    case 'converse-stream':
      sendFrames(
        answer,
        (JSON.parse(fixture('bedrock/converse-stream.json')) as Array<[string, unknown]>).map(
          ([type, body]) => event(type, body),
        ),
      );
      return;
    case 'invoke':
      answer.writeHead(200, headers);
      answer.end(fixture(`bedrock/invoke-${family(modelId)}.json`));
      return;
    default:
      sendFrames(
        answer,
        (JSON.parse(fixture('bedrock/invoke-stream-anthropic.json')) as unknown[]).map((body) =>
          event('chunk', { bytes: Buffer.from(JSON.stringify(body)).toString('base64') }),
        ),
      );
  }
}

/** A local server shaped like Bedrock Runtime (the SDK's `endpoint` is its origin). */
export class FakeBedrock extends FakeProviderServer {
  constructor() {
    super(respondLikeBedrock);
  }
}
