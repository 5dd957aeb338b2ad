// `chat.completions.create`: requests, whole responses and streamed chunks.
import type { Attributes } from '@opentelemetry/api';
import type { ResolvedConfig } from '../../config';
import type { InputMessage, MessagePart, OutputMessage } from '../../content';
import * as semconv from '../../semconv';
import type { GenAIRequest, GenAIResponse } from '../../span-recorder';
import type { Amendment, Body, StainlessOperation, StreamAccumulator } from '../stainless';
import { chatPromptTexts } from '../../prompt-texts';
import { locate } from './hosts';
import {
  baseRequest,
  chatPrompt,
  chatUsage,
  contentParts,
  number,
  parseArguments,
  setIfDefined,
  toolDefinitions,
  type ChatUsage,
} from './shared';

interface ToolCall {
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface ChatMessage {
  role?: string;
  content?: unknown;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

function toolCallPart(call: ToolCall): MessagePart {
  return {
    type: 'tool_call',
    id: call.id,
    name: call.function?.name ?? '',
    arguments: parseArguments(call.function?.arguments),
  };
}

function describe(
  body: Body,
  client: { baseURL?: unknown } | undefined,
  settings: ResolvedConfig,
): GenAIRequest {
  const attributes: Attributes = {};
  setIfDefined(
    attributes,
    semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS,
    number(body.max_completion_tokens) ?? number(body.max_tokens),
  );
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(body.temperature));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(body.top_p));
  setIfDefined(
    attributes,
    semconv.ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
    number(body.frequency_penalty),
  );
  setIfDefined(
    attributes,
    semconv.ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
    number(body.presence_penalty),
  );
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_SEED, number(body.seed));
  const choices = number(body.n);
  // The conventions ask for the choice count only when it is not 1.
  if (choices !== undefined && choices !== 1)
    attributes[semconv.ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = choices;
  if (typeof body.stop === 'string')
    attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = [body.stop];
  else if (Array.isArray(body.stop))
    attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = body.stop.filter(
      (stop): stop is string => typeof stop === 'string',
    );
  const format = (body.response_format as { type?: unknown } | undefined)?.type;
  if (format === 'json_object' || format === 'json_schema')
    attributes[semconv.ATTR_GEN_AI_OUTPUT_TYPE] = semconv.GEN_AI_OUTPUT_TYPE_JSON;
  else if (format === 'text')
    attributes[semconv.ATTR_GEN_AI_OUTPUT_TYPE] = semconv.GEN_AI_OUTPUT_TYPE_TEXT;

  const request = baseRequest(semconv.GEN_AI_OPERATION_CHAT, body, client, settings, attributes);
  const messages = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
  if (settings.hasher) {
    request.prompt = chatPrompt(messages, body.tools);
  }
  // What only an estimate or content capture reads is kept only when they are on (a copy of the
  // messages array and two closures per call otherwise).
  if (settings.estimateUsage) {
    const sent = messages.slice();
    request.promptTexts = () => chatPromptTexts(sent, undefined, body.tools);
  }
  if (settings.captureContent)
    request.content = () => {
      const system: MessagePart[] = [];
      const input: InputMessage[] = [];
      for (const message of messages) {
        if (!message || typeof message !== 'object') continue;
        if (message.role === 'system' || message.role === 'developer') {
          system.push(...contentParts(message.content));
          continue;
        }
        const parts = contentParts(message.content);
        if (message.role === 'tool')
          input.push({
            role: 'tool',
            parts: [
              { type: 'tool_call_response', id: message.tool_call_id, response: message.content },
            ],
          });
        else {
          for (const call of message.tool_calls ?? []) parts.push(toolCallPart(call));
          const converted: InputMessage = { role: message.role ?? 'user', parts };
          if (message.name) converted.name = message.name;
          input.push(converted);
        }
      }
      const tools = toolDefinitions(body.tools);
      return { system, input, ...(tools ? { tools } : {}) };
    };
  return request;
}

interface ChatCompletion {
  id?: string;
  model?: string;
  usage?: ChatUsage;
  choices?: Array<{
    index?: number;
    finish_reason?: string | null;
    message?: ChatMessage & { refusal?: string | null };
  }>;
}

function outputParts(message: ChatMessage & { refusal?: string | null }): MessagePart[] {
  const parts: MessagePart[] = [];
  if (typeof message.content === 'string' && message.content)
    parts.push({ type: 'text', content: message.content });
  if (message.refusal) parts.push({ type: 'text', content: message.refusal });
  for (const call of message.tool_calls ?? []) parts.push(toolCallPart(call));
  return parts;
}

function read(result: unknown, settings: ResolvedConfig): GenAIResponse {
  const completion = (result ?? {}) as ChatCompletion;
  const response: GenAIResponse = {};
  if (typeof completion.id === 'string') response.id = completion.id;
  if (typeof completion.model === 'string') response.model = completion.model;
  const choices = Array.isArray(completion.choices) ? completion.choices : [];
  response.finishReasons = choices.map((choice) => choice?.finish_reason ?? 'unknown');
  response.outputs = choices.map((choice) =>
    typeof choice?.message?.content === 'string' ? choice.message.content : '',
  );
  const usage = chatUsage(completion.usage);
  if (usage) response.usage = usage;
  else {
    const calls = choices.flatMap((choice) => choice?.message?.tool_calls ?? []);
    if (calls.length > 0)
      response.toolCallTexts = calls.map(
        (call) => `${call.function?.name ?? ''}${call.function?.arguments ?? ''}`,
      );
  }
  if (settings.captureContent)
    response.content = () =>
      choices.map((choice): OutputMessage => ({
        role: choice?.message?.role ?? 'assistant',
        parts: choice?.message ? outputParts(choice.message) : [],
        finish_reason: choice?.finish_reason ?? 'unknown',
      }));
  return response;
}

interface ChatChunk {
  id?: string;
  model?: string;
  usage?: ChatUsage | null;
  choices?: Array<{
    index?: number;
    finish_reason?: string | null;
    delta?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: Array<{
        index?: number;
        id?: string;
        function?: { name?: string; arguments?: string };
      }>;
    };
  }>;
}

interface ToolCallDraft {
  id?: string;
  name: string;
  arguments: string;
}

/** Text per choice always (for the completion hash); tool calls only when content is captured. */
class ChatStreamAccumulator implements StreamAccumulator {
  private id: string | undefined;
  private model: string | undefined;
  private usage: GenAIResponse['usage'];
  private readonly texts: string[] = [];
  private readonly finishReasons: string[] = [];
  private readonly toolCalls: ToolCallDraft[][] | undefined;
  /** Tool-call names and arguments as streamed, kept for an estimate of the output. */
  private toolCallText = '';

  constructor(settings: ResolvedConfig) {
    if (settings.captureContent) this.toolCalls = [];
  }

  add(value: unknown): void {
    const chunk = value as ChatChunk;
    if (this.id === undefined && typeof chunk.id === 'string') this.id = chunk.id;
    if (this.model === undefined && typeof chunk.model === 'string' && chunk.model)
      this.model = chunk.model;
    if (chunk.usage) this.usage = chatUsage(chunk.usage);
    const choices = chunk.choices;
    if (!choices) return;
    for (let position = 0; position < choices.length; position++) {
      const choice = choices[position];
      if (!choice) continue;
      const index = choice.index ?? 0;
      const delta = choice.delta;
      if (delta?.content) this.texts[index] = (this.texts[index] ?? '') + delta.content;
      if (choice.finish_reason) this.finishReasons[index] = choice.finish_reason;
      if (delta?.tool_calls && this.usage === undefined) {
        for (const call of delta.tool_calls)
          this.toolCallText += (call.function?.name ?? '') + (call.function?.arguments ?? '');
      }
      if (this.toolCalls && delta?.tool_calls) {
        const calls = (this.toolCalls[index] ??= []);
        for (const call of delta.tool_calls) {
          const draft = (calls[call.index ?? 0] ??= { name: '', arguments: '' });
          if (call.id) draft.id = call.id;
          if (call.function?.name) draft.name += call.function.name;
          if (call.function?.arguments) draft.arguments += call.function.arguments;
        }
      }
    }
  }

  result(): GenAIResponse {
    const response: GenAIResponse = {};
    if (this.id !== undefined) response.id = this.id;
    if (this.model !== undefined) response.model = this.model;
    if (this.usage) response.usage = this.usage;
    else if (this.toolCallText) response.toolCallTexts = [this.toolCallText];
    const count = Math.max(this.texts.length, this.finishReasons.length);
    if (count > 0) {
      response.finishReasons = Array.from(
        { length: count },
        (_, index) => this.finishReasons[index] ?? 'unknown',
      );
      response.outputs = Array.from({ length: count }, (_, index) => this.texts[index] ?? '');
    }
    const toolCalls = this.toolCalls;
    if (toolCalls) {
      response.content = () =>
        Array.from({ length: Math.max(count, toolCalls.length) }, (_, index): OutputMessage => {
          const parts: MessagePart[] = [];
          const text = this.texts[index];
          if (text) parts.push({ type: 'text', content: text });
          for (const call of toolCalls[index] ?? []) {
            if (!call) continue;
            parts.push({
              type: 'tool_call',
              id: call.id,
              name: call.name,
              arguments: parseArguments(call.arguments),
            });
          }
          return {
            role: 'assistant',
            parts,
            finish_reason: this.finishReasons[index] ?? 'unknown',
          };
        });
    }
    return response;
  }
}

/**
 * A stream the app did not ask usage of gets `stream_options.include_usage` (on servers known to
 * accept it), so that its span has the provider's own counts. The provider then answers with one
 * more chunk (empty `choices`, the usage) and `usage: null` on every other chunk; both are hidden,
 * so the app reads exactly the chunks it would have read without Elkhound.
 */
function askStreamUsage(
  body: Body,
  client: { baseURL?: unknown } | undefined,
  settings: ResolvedConfig,
): Amendment | undefined {
  if (body.stream !== true || !settings.openaiStreamUsage) return undefined;
  const options = body.stream_options;
  if (options !== undefined && options !== null && typeof options !== 'object') return undefined;
  if ((options as { include_usage?: unknown } | null)?.include_usage === true) return undefined;
  if (!locate(client, settings.providerHosts).streamUsage) return undefined;
  return {
    body: { ...body, stream_options: { ...(options as object | null), include_usage: true } },
    hide: hideUsage,
  };
}

function hideUsage(value: unknown): boolean {
  const chunk = value as ChatChunk | null;
  if (!chunk || typeof chunk !== 'object' || !('usage' in chunk)) return false;
  if (chunk.usage === null) {
    delete chunk.usage;
    return false;
  }
  return Array.isArray(chunk.choices) && chunk.choices.length === 0;
}

export const chatCompletions: StainlessOperation = {
  describe,
  read,
  amend: askStreamUsage,
  accumulator: (settings) => new ChatStreamAccumulator(settings),
};
