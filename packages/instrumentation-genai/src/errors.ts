/** `elkhound.error.category` values. */
export type ErrorCategory =
  | 'authentication'
  | 'rate_limit'
  | 'timeout'
  | 'invalid_request'
  | 'context_length'
  | 'content_filter'
  | 'server_error'
  | 'network_error'
  | 'parsing_error'
  | 'cancelled';

interface SdkError {
  name?: string;
  status?: number;
  /** Speakeasy- and Fern-generated SDKs (Mistral, Cohere) name it so. */
  statusCode?: number;
  /** The AWS SDK's service exceptions. */
  $metadata?: { httpStatusCode?: number };
  code?: string | null;
  type?: string | null;
  error?: { code?: string; type?: string; error?: { type?: string } | null } | null;
  message?: string;
  constructor?: { name?: string };
}

const ANTHROPIC_ERROR_TYPES: Record<string, ErrorCategory> = {
  overloaded_error: 'server_error',
  api_error: 'server_error',
  rate_limit_error: 'rate_limit',
  authentication_error: 'authentication',
  permission_error: 'authentication',
  invalid_request_error: 'invalid_request',
  request_too_large: 'invalid_request',
};

/** Categorises an SDK error by its status, code and class, as the SDKs name them. */
export function categorize(error: unknown): { category: ErrorCategory; type: string } {
  const sdkError = (error ?? {}) as SdkError;
  const className =
    sdkError.constructor?.name && sdkError.constructor.name !== 'Object'
      ? sdkError.constructor.name
      : sdkError.name;
  const type =
    className || (typeof sdkError.status === 'number' ? String(sdkError.status) : '_OTHER');
  const code = sdkError.code ?? sdkError.error?.code ?? '';
  // @google/genai 1.x throws ClientError / ServerError with the status only in the message.
  const status =
    typeof sdkError.status === 'number'
      ? sdkError.status
      : typeof sdkError.statusCode === 'number'
        ? sdkError.statusCode
        : typeof sdkError.$metadata?.httpStatusCode === 'number'
          ? sdkError.$metadata.httpStatusCode
          : Number(/^got status: (\d{3})\b/.exec(sdkError.message ?? '')?.[1]) || undefined;
  // Anthropic names the error in its body (`{ type: 'error', error: { type: 'overloaded_error' } }`),
  // also for an `error` event in the middle of a stream, where there is no status.
  // Older SDKs turn that event into a connection error whose message carries the event's JSON.
  const errorType =
    sdkError.error?.error?.type ??
    sdkError.error?.type ??
    sdkError.type ??
    (status === undefined
      ? /"type":\s*"(\w+_error)"/.exec(sdkError.message ?? '')?.[1]
      : undefined) ??
    '';
  const byType = ANTHROPIC_ERROR_TYPES[errorType];
  if (status === undefined && byType) return { category: byType, type };
  const text = `${className ?? ''} ${code} ${sdkError.type ?? ''} ${sdkError.message ?? ''}`;
  if (/Abort|UserAbort/i.test(className ?? '') || sdkError.name === 'AbortError')
    return { category: 'cancelled', type };
  if (/Timeout/i.test(className ?? '') || /ETIMEDOUT|timed out/i.test(text))
    return { category: 'timeout', type };
  if (
    status === 401 ||
    status === 403 ||
    code === 'invalid_api_key' ||
    /API_KEY_INVALID|API key not valid/.test(text)
  )
    return { category: 'authentication', type };
  // Errors reported inside a stream (Responses API `response.failed`) carry a code, no status.
  if (status === 429 || code === 'rate_limit_exceeded' || code === 'insufficient_quota')
    return { category: 'rate_limit', type };
  if (
    /context_length_exceeded|maximum context length|too many tokens|prompt is too long|exceeds the maximum number of tokens|input is too long/i.test(
      text,
    )
  ) {
    return { category: 'context_length', type };
  }
  if (/content_filter|content_policy|safety/i.test(text))
    return { category: 'content_filter', type };
  // @google/genai 1.x names an error reported inside a stream only by its class.
  if (
    (typeof status === 'number' && status >= 500) ||
    code === 'server_error' ||
    className === 'ServerError'
  )
    return { category: 'server_error', type };
  if (typeof status === 'number' && status >= 400) return { category: 'invalid_request', type };
  // Node's fetch rejects a body the server cut off with a TypeError `terminated`.
  if (
    /Connection|ECONNREFUSED|ECONNRESET|ENOTFOUND|fetch failed|socket/i.test(text) ||
    sdkError.message === 'terminated'
  )
    return { category: 'network_error', type };
  if (error instanceof SyntaxError || /parse|JSON/i.test(text))
    return { category: 'parsing_error', type };
  // The SDK's own argument checks throw its base error class (or a TypeError) before sending.
  if (className === 'OpenAIError' || error instanceof TypeError || code === 'invalid_prompt')
    return { category: 'invalid_request', type };
  return { category: 'network_error', type };
}
