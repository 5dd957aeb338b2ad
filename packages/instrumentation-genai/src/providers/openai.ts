// Everything specific to the `openai` SDK (v4–v7): how to read its requests, responses and
// stream chunks, and which prototypes to wrap. The provider-neutral work is in span-recorder.
import { context, diag, type Attributes } from '@opentelemetry/api';
import type { Usage } from '@elkhound/pricing';
import {
  GenAICall,
  type GenAIRequest,
  type GenAIResponse,
  type RecorderDependencies,
} from '../span-recorder';
import { observeIterator } from '../stream';
import * as semconv from '../semconv';

/** Hosts of OpenAI-compatible providers reached through the `openai` SDK. */
export const OPENAI_COMPATIBLE_HOSTS: Readonly<Record<string, string>> = {
  'api.openai.com': 'openai',
  'api.deepseek.com': 'deepseek',
  'api.groq.com': 'groq',
  'api.x.ai': 'x_ai',
  'api.mistral.ai': 'mistral_ai',
  'openrouter.ai': 'openrouter',
  'api.perplexity.ai': 'perplexity',
};

export function providerFromHost(
  host: string,
  extraHosts: Readonly<Record<string, string>>,
): string {
  const exact = extraHosts[host] ?? OPENAI_COMPATIBLE_HOSTS[host];
  if (exact) return exact;
  if (host.endsWith('.openai.azure.com') || host.endsWith('.cognitiveservices.azure.com'))
    return 'azure.ai.openai';
  return 'openai';
}

interface OpenAIClient {
  baseURL?: string;
}
interface Resource {
  _client?: OpenAIClient;
}
type Body = Record<string, unknown>;
interface APIPromiseLike {
  _thenUnwrap?: (transform: (data: unknown, props?: unknown) => unknown) => unknown;
  responsePromise?: Promise<unknown>;
  then?: unknown;
}

function server(client: OpenAIClient | undefined): {
  address?: string;
  port?: number;
  host?: string;
} {
  try {
    const url = new URL(client?.baseURL ?? 'https://api.openai.com/v1');
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    return { address: url.hostname, port, host: url.hostname };
  } catch {
    return {};
  }
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function describeChat(
  body: Body,
  client: OpenAIClient | undefined,
  extraHosts: Readonly<Record<string, string>>,
): GenAIRequest {
  const where = server(client);
  const attributes: Attributes = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) attributes[key] = value as Attributes[string];
  };
  set(
    semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS,
    number(body.max_completion_tokens) ?? number(body.max_tokens),
  );
  set(semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(body.temperature));
  set(semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(body.top_p));
  set(semconv.ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, number(body.frequency_penalty));
  set(semconv.ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, number(body.presence_penalty));
  set(semconv.ATTR_GEN_AI_REQUEST_SEED, number(body.seed));
  const n = number(body.n);
  if (n !== undefined && n !== 1) set(semconv.ATTR_GEN_AI_REQUEST_CHOICE_COUNT, n);
  if (typeof body.stop === 'string') set(semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, [body.stop]);
  else if (Array.isArray(body.stop))
    set(
      semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
      body.stop.filter((s) => typeof s === 'string'),
    );
  const format = (body.response_format as { type?: string } | undefined)?.type;
  set(
    semconv.ATTR_GEN_AI_OUTPUT_TYPE,
    format === 'json_object' || format === 'json_schema'
      ? 'json'
      : format === 'text'
        ? 'text'
        : undefined,
  );
  const messages = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
  const system: unknown[] = [];
  const conversation: unknown[] = [];
  for (const message of messages) {
    if (message?.role === 'system' || message?.role === 'developer') system.push(message.content);
    else conversation.push(message);
  }
  const request: GenAIRequest = {
    operation: semconv.GEN_AI_OPERATION_CHAT,
    provider: providerFromHost(where.host ?? 'api.openai.com', extraHosts),
    stream: body.stream === true,
    attributes,
    prompt: {
      system,
      messages: conversation,
      ...(Array.isArray(body.tools) ? { tools: body.tools } : {}),
    },
  };
  if (typeof body.model === 'string') request.model = body.model;
  if (where.address) request.serverAddress = where.address;
  if (where.port !== undefined) request.serverPort = where.port;
  return request;
}

function describeEmbeddings(
  body: Body,
  client: OpenAIClient | undefined,
  extraHosts: Readonly<Record<string, string>>,
): GenAIRequest {
  const where = server(client);
  const attributes: Attributes = {};
  if (typeof body.encoding_format === 'string')
    attributes[semconv.ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = [body.encoding_format];
  const request: GenAIRequest = {
    operation: semconv.GEN_AI_OPERATION_EMBEDDINGS,
    provider: providerFromHost(where.host ?? 'api.openai.com', extraHosts),
    stream: false,
    attributes,
  };
  if (typeof body.model === 'string') request.model = body.model;
  if (where.address) request.serverAddress = where.address;
  if (where.port !== undefined) request.serverPort = where.port;
  return request;
}

interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/** OpenAI's prompt_tokens already include cached tokens and completion_tokens reasoning ones, as the conventions want. */
export function usageOf(usage: OpenAIUsage | null | undefined): Usage | undefined {
  if (!usage || typeof usage.prompt_tokens !== 'number') return undefined;
  const out: Usage = {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens ?? 0,
  };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') out.cacheReadTokens = cached;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') out.reasoningTokens = reasoning;
  return out;
}

interface ChatCompletion {
  id?: string;
  model?: string;
  usage?: OpenAIUsage;
  choices?: Array<{
    index?: number;
    finish_reason?: string | null;
    message?: { content?: string | null };
  }>;
}

function readChat(completion: ChatCompletion): GenAIResponse {
  const response: GenAIResponse = {};
  if (completion.id) response.id = completion.id;
  if (completion.model) response.model = completion.model;
  const choices = completion.choices ?? [];
  response.finishReasons = choices.map((choice) => choice.finish_reason ?? 'unknown');
  response.outputs = choices.map((choice) => choice.message?.content ?? '');
  const usage = usageOf(completion.usage);
  if (usage) response.usage = usage;
  return response;
}

function readEmbeddings(result: {
  model?: string;
  usage?: { prompt_tokens?: number };
}): GenAIResponse {
  const response: GenAIResponse = {};
  if (result.model) response.model = result.model;
  if (typeof result.usage?.prompt_tokens === 'number') {
    response.usage = { inputTokens: result.usage.prompt_tokens, outputTokens: 0 };
  }
  return response;
}

interface ChatChunk {
  id?: string;
  model?: string;
  usage?: OpenAIUsage | null;
  choices?: Array<{
    index?: number;
    finish_reason?: string | null;
    delta?: { content?: string | null };
  }>;
}

/** Accumulates what a chat stream says, chunk by chunk, without keeping the chunks. */
class ChatStreamAccumulator {
  readonly response: GenAIResponse = {};
  private readonly texts: string[] = [];
  private readonly finishReasons: string[] = [];

  add(chunk: ChatChunk): void {
    if (chunk.id && !this.response.id) this.response.id = chunk.id;
    if (chunk.model && !this.response.model) this.response.model = chunk.model;
    const usage = usageOf(chunk.usage);
    if (usage) this.response.usage = usage;
    for (const choice of chunk.choices ?? []) {
      const index = choice.index ?? 0;
      const content = choice.delta?.content;
      if (content) this.texts[index] = (this.texts[index] ?? '') + content;
      if (choice.finish_reason) this.finishReasons[index] = choice.finish_reason;
    }
  }

  result(): GenAIResponse {
    if (this.finishReasons.length > 0)
      this.response.finishReasons = Array.from(this.finishReasons, (reason) => reason ?? 'unknown');
    if (this.texts.length > 0) this.response.outputs = Array.from(this.texts, (text) => text ?? '');
    return this.response;
  }
}

interface StreamLike {
  iterator?: () => AsyncIterator<ChatChunk>;
}

function observeStream(stream: StreamLike, call: GenAICall): void {
  const original = stream.iterator;
  if (typeof original !== 'function') {
    call.end({});
    return;
  }
  const accumulator = new ChatStreamAccumulator();
  // The SDK's Stream reads its events through `this.iterator()` — for `for await`, `tee()` and
  // `toReadableStream()` alike — so wrapping that one function observes every consumer.
  stream.iterator = function (this: unknown) {
    return observeIterator(original.call(this), {
      chunk(chunk) {
        call.chunk();
        accumulator.add(chunk);
      },
      done() {
        call.end(accumulator.result());
      },
      error(error) {
        call.fail(error, accumulator.result());
      },
    });
  };
}

type Create = (this: Resource, body: Body, options?: unknown) => unknown;

export interface OpenAIPatchOptions {
  dependencies: RecorderDependencies;
  providerHosts: () => Readonly<Record<string, string>>;
  enabled: () => boolean;
}

/** `chat.completions.create` and `embeddings.create`, wrapped. */
export function wrapCreate(
  kind: 'chat' | 'embeddings',
  original: Create,
  options: OpenAIPatchOptions,
): Create {
  return function elkhoundCreate(this: Resource, body: Body, requestOptions?: unknown) {
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as [Body, unknown?];
    if (!options.enabled() || typeof body !== 'object' || body === null)
      return original.apply(this, args);
    let call: GenAICall;
    try {
      const request =
        kind === 'chat'
          ? describeChat(body, this._client, options.providerHosts())
          : describeEmbeddings(body, this._client, options.providerHosts());
      call = new GenAICall(options.dependencies, request);
    } catch (error) {
      diag.error('elkhound: could not start a GenAI span', error);
      return original.apply(this, args);
    }
    const result = context.with(call.context(), () =>
      original.call(this, body, requestOptions),
    ) as APIPromiseLike;
    try {
      return observe(result, call, kind, body.stream === true);
    } catch (error) {
      diag.error('elkhound: could not observe a GenAI call', error);
      call.end({});
      return result;
    }
  };
}

/**
 * Returns the SDK's own APIPromise, derived with its `_thenUnwrap` so `.withResponse()` and
 * `.asResponse()` keep working and the body is parsed only when the app asks for it. Errors are
 * seen on the raw response promise, which never consumes the body.
 */
function observe(
  result: APIPromiseLike,
  call: GenAICall,
  kind: 'chat' | 'embeddings',
  stream: boolean,
): unknown {
  result.responsePromise?.then(undefined, (error: unknown) => call.fail(error));
  const onValue = (value: unknown) => {
    try {
      if (stream) observeStream(value as StreamLike, call);
      else
        call.end(
          kind === 'chat'
            ? readChat(value as ChatCompletion)
            : readEmbeddings(value as { model?: string }),
        );
    } catch (error) {
      diag.error('elkhound: could not read a GenAI response', error);
      call.end({});
    }
    return value;
  };
  if (typeof result._thenUnwrap === 'function') return result._thenUnwrap(onValue);
  // Not an APIPromise (a future SDK): observe without changing what the app gets.
  if (typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(onValue, (error: unknown) => call.fail(error));
  }
  return result;
}
