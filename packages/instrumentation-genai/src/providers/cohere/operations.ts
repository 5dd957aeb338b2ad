// Cohere's chat (v1 and v2 shapes), embed and rerank, in the SDK's camelCase shapes.
//
// Usage: Cohere reports two counts — `tokens` (what the model read and wrote, including Cohere's
// own instructions around the prompt) and `billedUnits` (what the account pays for). Elkhound
// records the billed units, so that tokens and cost agree and add up to the invoice; the model's
// own counts stay available in the SDK's response.
import type { Attributes } from '@opentelemetry/api';
import type { ResolvedConfig } from '../../config';
import type { InputMessage, MessagePart, ToolDefinition } from '../../content';
import { chatPromptTexts, embeddingInputTexts } from '../../prompt-texts';
import * as semconv from '../../semconv';
import type { GenAIRequest, GenAIResponse } from '../../span-recorder';
import { foldUsage } from '../../usage';
import type { AsyncOperation } from '../async-call';
import { chatPrompt, contentParts, number, setIfDefined } from '../openai/shared';
import type { StreamAccumulator } from '../stainless';
import { requestOf, serverOf } from '../server';

export const GEN_AI_OPERATION_RERANK = 'rerank';

interface Counts {
  inputTokens?: number;
  outputTokens?: number;
}
interface Meta {
  billedUnits?: Counts;
  tokens?: Counts;
}

/** 8.x's internal methods resolve to `{ data, rawResponse }`; 7.x's public ones to the body. */
function bodyOf(result: unknown): Record<string, unknown> {
  const value = (result ?? {}) as Record<string, unknown>;
  return 'rawResponse' in value && value.data && typeof value.data === 'object'
    ? (value.data as Record<string, unknown>)
    : value;
}

export function cohereUsage(meta: Meta | undefined) {
  const counts = meta?.billedUnits ?? meta?.tokens;
  if (!counts) return undefined;
  return foldUsage({
    input: counts.inputTokens,
    inputIncludesCache: true,
    output: counts.outputTokens ?? 0,
    outputIncludesReasoning: true,
  });
}

function base(
  operation: string,
  body: Record<string, unknown>,
  client: unknown,
  stream: boolean,
  attributes: Attributes,
): GenAIRequest {
  const options = (client as { _options?: { baseUrl?: unknown; environment?: unknown } } | null)
    ?._options;
  const baseURL =
    typeof options?.baseUrl === 'string'
      ? options.baseUrl
      : typeof options?.environment === 'string'
        ? options.environment
        : 'https://api.cohere.com';
  const where = serverOf((client as object | null) ?? undefined, baseURL);
  return requestOf(operation, 'cohere', body, where, stream, attributes);
}

function samplingAttributes(body: Record<string, unknown>): Attributes {
  const attributes: Attributes = {};
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS, number(body.maxTokens));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(body.temperature));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(body.p));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_K, number(body.k));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_SEED, number(body.seed));
  setIfDefined(
    attributes,
    semconv.ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
    number(body.frequencyPenalty),
  );
  setIfDefined(
    attributes,
    semconv.ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
    number(body.presencePenalty),
  );
  if (Array.isArray(body.stopSequences))
    attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = body.stopSequences.filter(
      (stop): stop is string => typeof stop === 'string',
    );
  return attributes;
}

function toolsOf(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return (tools as Array<Record<string, unknown>>).map((tool) => {
    const described = (tool.function as Record<string, unknown> | undefined) ?? tool;
    const definition: ToolDefinition = {
      type: 'function',
      name: typeof described.name === 'string' ? described.name : 'tool',
    };
    if (typeof described.description === 'string') definition.description = described.description;
    const parameters = described.parameters ?? described.parameterDefinitions;
    if (parameters !== undefined) definition.parameters = parameters;
    return definition;
  });
}

/** Finish reasons as Cohere names them, lower-cased (`COMPLETE` → `complete`, `MAX_TOKENS`). */
function finishReason(reason: unknown): string | undefined {
  return typeof reason === 'string' && reason ? reason.toLowerCase() : undefined;
}

// ---- v1: { message, preamble, chatHistory } → { text, generationId, finishReason, meta } ----

export function chatV1(stream: boolean): AsyncOperation {
  return {
    describe(args, client, settings: ResolvedConfig) {
      const body = args[0] as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object') return undefined;
      const request = base(
        semconv.GEN_AI_OPERATION_CHAT,
        body,
        client,
        stream,
        samplingAttributes(body),
      );
      const history = Array.isArray(body.chatHistory)
        ? (body.chatHistory as Array<{ role?: string; message?: unknown }>)
        : [];
      const conversation = [
        ...history.map((turn) => ({
          role:
            (turn.role ?? 'USER').toLowerCase() === 'chatbot'
              ? 'assistant'
              : (turn.role ?? 'user').toLowerCase(),
          content: turn.message,
        })),
        { role: 'user', content: body.message },
      ];
      if (settings.hasher) {
        request.prompt = {
          system: body.preamble === undefined ? [] : [body.preamble],
          messages: conversation,
        };
        if (Array.isArray(body.tools)) request.prompt.tools = body.tools;
      }
      request.promptTexts = () => chatPromptTexts(conversation, body.preamble, body.tools);
      request.content = () => {
        const input: InputMessage[] = conversation.map((message) => ({
          role: message.role,
          parts: contentParts(message.content),
        }));
        const tools = toolsOf(body.tools);
        return { system: contentParts(body.preamble), input, ...(tools ? { tools } : {}) };
      };
      return request;
    },
    read(result) {
      const body = bodyOf(result) as {
        text?: string;
        generationId?: string;
        responseId?: string;
        finishReason?: string;
        meta?: Meta;
      };
      const response: GenAIResponse = {};
      const id = body.generationId ?? body.responseId;
      if (typeof id === 'string') response.id = id;
      const reason = finishReason(body.finishReason);
      if (reason) response.finishReasons = [reason];
      const usage = cohereUsage(body.meta);
      if (usage) response.usage = usage;
      if (typeof body.text === 'string') {
        const text = body.text;
        response.outputs = [text];
        response.content = () => [
          {
            role: 'assistant',
            parts: [{ type: 'text', content: text }],
            finish_reason: reason ?? '',
          },
        ];
      }
      return response;
    },
    ...(stream
      ? {
          accumulator: () => new StreamV1(),
          streamOf: (value: unknown) =>
            'rawResponse' in ((value ?? {}) as object) ? (value as { data: unknown }).data : value,
        }
      : {}),
  };
}

/** v1 stream events: `stream-start` (generation id), `text-generation`, `stream-end` (the whole response). */
class StreamV1 implements StreamAccumulator {
  private text = '';
  private final: GenAIResponse | undefined;
  private id: string | undefined;

  add(chunk: unknown): void {
    const event = chunk as {
      eventType?: string;
      generationId?: string;
      text?: string;
      response?: unknown;
      finishReason?: string;
    };
    if (event?.eventType === 'stream-start' && typeof event.generationId === 'string')
      this.id = event.generationId;
    else if (event?.eventType === 'text-generation' && typeof event.text === 'string')
      this.text += event.text;
    else if (event?.eventType === 'stream-end') {
      this.final = chatV1(false).read(event.response ?? {}, {} as ResolvedConfig, []);
      const reason = finishReason(event.finishReason);
      if (reason) this.final.finishReasons = [reason];
    }
  }

  result(): GenAIResponse {
    const response: GenAIResponse = { ...this.final };
    if (!response.id && this.id) response.id = this.id;
    if (this.text || response.finishReasons) {
      const text = this.text;
      response.outputs = [text];
      response.content = () => [
        {
          role: 'assistant',
          parts: [{ type: 'text', content: text }],
          finish_reason: response.finishReasons?.[0] ?? '',
        },
      ];
    }
    return response;
  }
}

// ---- v2: { messages } → { id, finishReason, message: { content: [...] }, usage } ----

function messagePartsV2(content: unknown): MessagePart[] {
  return contentParts(content);
}

export function chatV2(stream: boolean): AsyncOperation {
  return {
    describe(args, client, settings: ResolvedConfig) {
      const body = args[0] as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object') return undefined;
      const request = base(
        semconv.GEN_AI_OPERATION_CHAT,
        body,
        client,
        stream,
        samplingAttributes(body),
      );
      const messages = Array.isArray(body.messages)
        ? (body.messages as Array<{ role?: string; content?: unknown }>)
        : [];
      if (settings.hasher) {
        request.prompt = chatPrompt(messages, body.tools);
      }
      const sent = messages.slice();
      request.promptTexts = () => chatPromptTexts(sent, undefined, body.tools);
      request.content = () => {
        const system = messages
          .filter((message) => message?.role === 'system')
          .flatMap((message) => messagePartsV2(message.content));
        const input: InputMessage[] = messages
          .filter((message) => message && message.role !== 'system')
          .map((message) => ({
            role: message.role ?? 'user',
            parts: messagePartsV2(message.content),
          }));
        const tools = toolsOf(body.tools);
        return { system, input, ...(tools ? { tools } : {}) };
      };
      return request;
    },
    read(result) {
      const body = bodyOf(result) as {
        id?: string;
        finishReason?: string;
        message?: { content?: unknown };
        usage?: Meta;
      };
      const response: GenAIResponse = {};
      if (typeof body.id === 'string') response.id = body.id;
      const reason = finishReason(body.finishReason);
      if (reason) response.finishReasons = [reason];
      const usage = cohereUsage(body.usage);
      if (usage) response.usage = usage;
      if (body.message) {
        const parts = messagePartsV2(body.message.content);
        response.outputs = [
          parts
            .map((part) =>
              'content' in part && typeof part.content === 'string' ? part.content : '',
            )
            .join(''),
        ];
        response.content = () => [{ role: 'assistant', parts, finish_reason: reason ?? '' }];
      }
      return response;
    },
    ...(stream
      ? {
          accumulator: () => new StreamV2(),
          streamOf: (value: unknown) =>
            'rawResponse' in ((value ?? {}) as object) ? (value as { data: unknown }).data : value,
        }
      : {}),
  };
}

/** v2 stream events: `message-start` (id), `content-delta` (text), `message-end` (finish reason, usage). */
class StreamV2 implements StreamAccumulator {
  private id: string | undefined;
  private text = '';
  private reason: string | undefined;
  private usage: Meta | undefined;

  add(chunk: unknown): void {
    const event = chunk as {
      type?: string;
      id?: string;
      delta?: { message?: { content?: { text?: string } }; finishReason?: string; usage?: Meta };
    };
    if (event?.type === 'message-start' && typeof event.id === 'string') this.id = event.id;
    else if (event?.type === 'content-delta')
      this.text += event.delta?.message?.content?.text ?? '';
    else if (event?.type === 'message-end') {
      this.reason = finishReason(event.delta?.finishReason);
      this.usage = event.delta?.usage;
    }
  }

  result(): GenAIResponse {
    const response: GenAIResponse = {};
    if (this.id) response.id = this.id;
    if (this.reason) response.finishReasons = [this.reason];
    const usage = cohereUsage(this.usage);
    if (usage) response.usage = usage;
    if (this.text || this.reason) {
      const text = this.text;
      response.outputs = [text];
      response.content = () => [
        {
          role: 'assistant',
          parts: [{ type: 'text', content: text }],
          finish_reason: this.reason ?? '',
        },
      ];
    }
    return response;
  }
}

// ---- embed and rerank (v1 and v2 alike) ----

export const embed: AsyncOperation = {
  describe(args, client) {
    const body = args[0] as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return undefined;
    const attributes: Attributes = {};
    if (Array.isArray(body.embeddingTypes))
      attributes[semconv.ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = body.embeddingTypes.filter(
        (type): type is string => typeof type === 'string',
      );
    const request = base(semconv.GEN_AI_OPERATION_EMBEDDINGS, body, client, false, attributes);
    const texts = Array.isArray(body.texts) ? body.texts.slice() : body.texts;
    request.promptTexts = () => embeddingInputTexts(texts);
    return request;
  },
  read(result) {
    const body = bodyOf(result) as { id?: string; meta?: Meta };
    const response: GenAIResponse = {};
    if (typeof body.id === 'string') response.id = body.id;
    const usage = cohereUsage(body.meta);
    if (usage) response.usage = usage;
    return response;
  },
};

/** Rerank has no operation name in the conventions yet: `rerank`, documented in docs/sdks.md. */
export const rerank: AsyncOperation = {
  describe(args, client) {
    const body = args[0] as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return undefined;
    const attributes: Attributes = {};
    setIfDefined(attributes, 'gen_ai.request.top_n', number(body.topN));
    return base(GEN_AI_OPERATION_RERANK, body, client, false, attributes);
  },
  read(result) {
    const body = bodyOf(result) as {
      id?: string;
      meta?: { billedUnits?: { searchUnits?: number } };
    };
    const response: GenAIResponse = {};
    if (typeof body.id === 'string') response.id = body.id;
    // Billed in search units, not tokens: no token price applies.
    response.unpricedReason = 'no_price_for_unit';
    return response;
  },
};
