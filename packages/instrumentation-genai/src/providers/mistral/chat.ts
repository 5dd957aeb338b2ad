// Mistral's chat completions and embeddings, in the SDK's camelCase shapes.
import type { Attributes } from '@opentelemetry/api';
import type { ResolvedConfig } from '../../config';
import type { InputMessage, OutputMessage } from '../../content';
import { chatPromptTexts, embeddingInputTexts } from '../../prompt-texts';
import * as semconv from '../../semconv';
import type { GenAIRequest, GenAIResponse } from '../../span-recorder';
import { foldUsage } from '../../usage';
import type { AsyncOperation } from '../async-call';
import {
  chatPrompt,
  contentParts,
  number,
  parseArguments,
  setIfDefined,
  toolDefinitions,
} from '../openai/shared';
import type { StreamAccumulator } from '../stainless';
import { requestOf, serverOf } from '../server';

interface Message {
  role?: string;
  content?: unknown;
  toolCalls?: Array<{ id?: string; function?: { name?: string; arguments?: unknown } }> | null;
  toolCallId?: string;
}

interface MistralUsage {
  promptTokens?: number;
  completionTokens?: number;
}

interface Completion {
  id?: string;
  model?: string;
  usage?: MistralUsage;
  choices?: Array<{
    index?: number;
    finishReason?: string | null;
    message?: Message;
    delta?: Message;
  }>;
}

/** Mistral counts no cache or reasoning apart: prompt and completion tokens as they are. */
export function mistralUsage(usage: MistralUsage | undefined) {
  if (!usage) return undefined;
  return foldUsage({
    input: usage.promptTokens,
    inputIncludesCache: true,
    output: usage.completionTokens,
    outputIncludesReasoning: true,
  });
}

function base(
  operation: string,
  body: Record<string, unknown>,
  self: unknown,
  stream: boolean,
  attributes: Attributes,
): GenAIRequest {
  const sdk = self as { _baseURL?: unknown } | null;
  const where = serverOf(sdk ?? undefined, String(sdk?._baseURL ?? 'https://api.mistral.ai'));
  return requestOf(operation, 'mistral_ai', body, where, stream, attributes);
}

function describeChat(stream: boolean) {
  return (
    args: readonly unknown[],
    self: unknown,
    settings: ResolvedConfig,
  ): GenAIRequest | undefined => {
    const body = args[0] as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return undefined;
    const attributes: Attributes = {};
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS, number(body.maxTokens));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(body.temperature));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(body.topP));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_SEED, number(body.randomSeed));
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
    const choices = number(body.n);
    if (choices !== undefined && choices !== 1)
      attributes[semconv.ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = choices;
    if (typeof body.stop === 'string')
      attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = [body.stop];
    else if (Array.isArray(body.stop))
      attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = body.stop.filter(
        (stop): stop is string => typeof stop === 'string',
      );
    if ((body.responseFormat as { type?: unknown } | undefined)?.type === 'json_object')
      attributes[semconv.ATTR_GEN_AI_OUTPUT_TYPE] = semconv.GEN_AI_OUTPUT_TYPE_JSON;
    const request = base(semconv.GEN_AI_OPERATION_CHAT, body, self, stream, attributes);
    const messages = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
    if (settings.hasher) {
      request.prompt = chatPrompt(messages, body.tools);
    }
    const sent = messages.slice();
    request.promptTexts = () => chatPromptTexts(sent, undefined, body.tools);
    request.content = () => {
      const system = messages
        .filter((message) => message?.role === 'system')
        .flatMap((message) => contentParts(message.content));
      const input: InputMessage[] = messages
        .filter((message) => message && message.role !== 'system')
        .map((message) =>
          message.role === 'tool'
            ? {
                role: 'tool',
                parts: [
                  { type: 'tool_call_response', id: message.toolCallId, response: message.content },
                ],
              }
            : {
                role: message.role ?? 'user',
                parts: [
                  ...contentParts(message.content),
                  ...(message.toolCalls ?? []).map((call) => ({
                    type: 'tool_call' as const,
                    id: call.id,
                    name: call.function?.name ?? '',
                    arguments: parseArguments(call.function?.arguments),
                  })),
                ],
              },
        );
      const tools = toolDefinitions(body.tools);
      return { system, input, ...(tools ? { tools } : {}) };
    };
    return request;
  };
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as Array<{ type?: string; text?: string }>)
    .map((part) => (part?.type === 'text' ? (part.text ?? '') : ''))
    .join('');
}

function outputMessage(message: Message | undefined, finishReason: string): OutputMessage {
  return {
    role: 'assistant',
    parts: [
      ...contentParts(message?.content),
      ...(message?.toolCalls ?? []).map((call) => ({
        type: 'tool_call' as const,
        id: call.id,
        name: call.function?.name ?? '',
        arguments: parseArguments(call.function?.arguments),
      })),
    ],
    finish_reason: finishReason,
  };
}

function readChat(result: unknown): GenAIResponse {
  const completion = (result ?? {}) as Completion;
  const response: GenAIResponse = {};
  if (typeof completion.id === 'string') response.id = completion.id;
  if (typeof completion.model === 'string') response.model = completion.model;
  const choices = completion.choices ?? [];
  const reasons = choices
    .map((choice) => choice.finishReason)
    .filter((reason): reason is string => !!reason);
  if (reasons.length > 0) response.finishReasons = reasons;
  const usage = mistralUsage(completion.usage);
  if (usage) response.usage = usage;
  if (choices.length > 0) {
    response.outputs = choices.map((choice) => messageText(choice.message?.content));
    response.content = () =>
      choices.map((choice) => outputMessage(choice.message, choice.finishReason ?? ''));
  }
  return response;
}

/** The stream's events are `{ data: CompletionChunk }`; the last chunk carries the usage. */
class ChatAccumulator implements StreamAccumulator {
  private id: string | undefined;
  private model: string | undefined;
  private usage: MistralUsage | undefined;
  private readonly texts: string[] = [];
  private readonly reasons: string[] = [];

  add(event: unknown): void {
    const chunk = ((event as { data?: unknown } | null)?.data ?? event) as Completion;
    if (typeof chunk?.id === 'string') this.id = chunk.id;
    if (typeof chunk?.model === 'string') this.model = chunk.model;
    if (chunk?.usage) this.usage = chunk.usage;
    for (const choice of chunk?.choices ?? []) {
      const index = choice.index ?? 0;
      const text = messageText(choice.delta?.content);
      if (text) this.texts[index] = (this.texts[index] ?? '') + text;
      if (choice.finishReason) this.reasons[index] = choice.finishReason;
    }
  }

  result(): GenAIResponse {
    const response: GenAIResponse = {};
    if (this.id) response.id = this.id;
    if (this.model) response.model = this.model;
    const reasons = this.reasons.filter(Boolean);
    if (reasons.length > 0) response.finishReasons = reasons;
    const usage = mistralUsage(this.usage);
    if (usage) response.usage = usage;
    if (this.texts.length > 0 || reasons.length > 0) {
      const outputs = Array.from(this.texts, (text) => text ?? '');
      response.outputs = outputs;
      response.content = () =>
        outputs.map((text, index) => ({
          role: 'assistant',
          parts: [{ type: 'text', content: text }],
          finish_reason: this.reasons[index] ?? '',
        }));
    }
    return response;
  }
}

function describeEmbeddings(args: readonly unknown[], self: unknown): GenAIRequest | undefined {
  const body = args[0] as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return undefined;
  const attributes: Attributes = {};
  setIfDefined(
    attributes,
    semconv.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
    number(body.outputDimension),
  );
  const request = base(semconv.GEN_AI_OPERATION_EMBEDDINGS, body, self, false, attributes);
  const inputs = Array.isArray(body.inputs) ? body.inputs.slice() : body.inputs;
  request.promptTexts = () => embeddingInputTexts(inputs);
  return request;
}

function readEmbeddings(result: unknown): GenAIResponse {
  const response = (result ?? {}) as { id?: string; model?: string; usage?: MistralUsage };
  const out: GenAIResponse = {};
  if (typeof response.id === 'string') out.id = response.id;
  if (typeof response.model === 'string') out.model = response.model;
  const usage = mistralUsage(response.usage);
  if (usage) out.usage = usage;
  return out;
}

export const chatComplete: AsyncOperation = { describe: describeChat(false), read: readChat };
export const chatStream: AsyncOperation = {
  describe: describeChat(true),
  read: readChat,
  accumulator: () => new ChatAccumulator(),
};
export const embeddingsCreate: AsyncOperation = {
  describe: describeEmbeddings,
  read: readEmbeddings,
};
