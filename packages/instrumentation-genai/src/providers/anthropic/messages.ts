// `messages.create` of `@anthropic-ai/sdk` (plain and `stream: true`; `messages.stream()` and its
// helpers go through it): requests, whole messages and streamed events.
import type { Attributes } from '@opentelemetry/api';
import type { Usage } from '@elkhound/pricing';
import type { ResolvedConfig } from '../../config';
import type { InputMessage, MessagePart, OutputMessage, ToolDefinition } from '../../content';
import { chatPromptTexts } from '../../prompt-texts';
import * as semconv from '../../semconv';
import type { GenAIRequest, GenAIResponse } from '../../span-recorder';
import { foldUsage } from '../../usage';
import { number, parseArguments, setIfDefined } from '../openai/shared';
import type { Body, StainlessOperation, StreamAccumulator } from '../stainless';
import { locateAnthropic } from './clients';

/** Token counts of the Messages API. `input_tokens` excludes the cache reads and writes. */
interface MessagesUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: {
    ephemeral_5m_input_tokens?: number | null;
    ephemeral_1h_input_tokens?: number | null;
  } | null;
}

interface ContentBlock {
  type?: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  thinking?: string;
  tool_use_id?: string;
  content?: unknown;
  source?: { type?: string; url?: string; media_type?: string };
}

interface Message {
  id?: string;
  model?: string;
  role?: string;
  stop_reason?: string | null;
  content?: ContentBlock[];
  usage?: MessagesUsage;
}

/**
 * Anthropic counts cache reads and writes apart from `input_tokens`: the conventions' input count
 * adds them. Thinking tokens are part of `output_tokens` (no separate count is reported). The
 * 1-hour cache writes, when the usage splits them out, are priced apart.
 */
export function messagesUsage(usage: MessagesUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  return foldUsage({
    input: usage.input_tokens,
    inputIncludesCache: false,
    cacheRead: usage.cache_read_input_tokens ?? undefined,
    cacheWrite: usage.cache_creation_input_tokens ?? undefined,
    cacheWrite1h: usage.cache_creation?.ephemeral_1h_input_tokens ?? undefined,
    output: usage.output_tokens,
    outputIncludesReasoning: true,
  });
}

/** The system prompt as text parts (a string, or text blocks). */
function systemParts(system: unknown): MessagePart[] {
  if (typeof system === 'string') return system ? [{ type: 'text', content: system }] : [];
  return blockParts(system);
}

function blockParts(content: unknown): MessagePart[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: MessagePart[] = [];
  for (const block of content as ContentBlock[]) {
    if (!block || typeof block !== 'object') continue;
    switch (block.type) {
      case 'text':
        if (typeof block.text === 'string') parts.push({ type: 'text', content: block.text });
        break;
      case 'tool_use':
        parts.push({
          type: 'tool_call',
          id: block.id,
          name: block.name ?? '',
          arguments: block.input,
        });
        break;
      case 'tool_result':
        parts.push({ type: 'tool_call_response', id: block.tool_use_id, response: block.content });
        break;
      case 'thinking':
        if (typeof block.thinking === 'string')
          parts.push({ type: 'reasoning', content: block.thinking });
        break;
      case 'image':
        if (block.source?.type === 'url' && typeof block.source.url === 'string')
          parts.push({ type: 'uri', modality: 'image', uri: block.source.url });
        else parts.push({ type: 'image' });
        break;
      default:
        // Documents, redacted thinking, server tools: named, without their payload.
        parts.push({ type: typeof block.type === 'string' ? block.type : 'unknown' });
    }
  }
  return parts;
}

function toolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return (tools as Array<Record<string, unknown>>)
    .filter((tool) => tool && typeof tool === 'object')
    .map((tool) => {
      const definition: ToolDefinition = {
        // Client tools have no type (or `custom`); server tools name theirs (`web_search_…`).
        type: typeof tool.type === 'string' && tool.type !== 'custom' ? tool.type : 'function',
        name: typeof tool.name === 'string' ? tool.name : 'tool',
      };
      if (typeof tool.description === 'string') definition.description = tool.description;
      if (tool.input_schema !== undefined) definition.parameters = tool.input_schema;
      return definition;
    });
}

function describe(
  body: Body,
  client: { baseURL?: unknown } | undefined,
  settings: ResolvedConfig,
): GenAIRequest {
  const attributes: Attributes = {};
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS, number(body.max_tokens));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(body.temperature));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(body.top_p));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_K, number(body.top_k));
  if (Array.isArray(body.stop_sequences))
    attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = body.stop_sequences.filter(
      (stop): stop is string => typeof stop === 'string',
    );
  const where = locateAnthropic(client);
  const request: GenAIRequest = {
    operation: semconv.GEN_AI_OPERATION_CHAT,
    provider: where.provider,
    stream: body.stream === true,
    attributes,
  };
  if (typeof body.model === 'string') request.model = body.model;
  if (where.address) request.serverAddress = where.address;
  if (where.port !== undefined) request.serverPort = where.port;
  const messages = Array.isArray(body.messages)
    ? (body.messages as Array<{ role?: string; content?: unknown }>)
    : [];
  if (settings.hasher) {
    // The same canonical parts as every provider: the system text, the conversation, the tools.
    const system: unknown[] =
      body.system === undefined
        ? []
        : typeof body.system === 'string'
          ? [body.system]
          : [body.system];
    request.prompt = { system, messages };
    if (Array.isArray(body.tools)) request.prompt.tools = body.tools;
  }
  const sent = messages.slice();
  request.promptTexts = () => chatPromptTexts(sent, body.system, body.tools);
  request.content = () => {
    const input: InputMessage[] = messages
      .filter((message) => message && typeof message === 'object')
      .map((message) => ({ role: message.role ?? 'user', parts: blockParts(message.content) }));
    const tools = toolDefinitions(body.tools);
    return { system: systemParts(body.system), input, ...(tools ? { tools } : {}) };
  };
  return request;
}

function outputText(content: readonly ContentBlock[] | undefined): string {
  let text = '';
  for (const block of content ?? [])
    if (block?.type === 'text' && typeof block.text === 'string') text += block.text;
  return text;
}

function read(result: unknown): GenAIResponse {
  const message = (result ?? {}) as Message;
  const response: GenAIResponse = {};
  if (typeof message.id === 'string') response.id = message.id;
  if (typeof message.model === 'string') response.model = message.model;
  if (message.stop_reason) response.finishReasons = [message.stop_reason];
  const usage = messagesUsage(message.usage);
  if (usage) response.usage = usage;
  const content = message.content;
  if (Array.isArray(content)) {
    response.outputs = [outputText(content)];
    response.content = (): OutputMessage[] => [
      { role: 'assistant', parts: blockParts(content), finish_reason: message.stop_reason ?? '' },
    ];
  }
  return response;
}

interface StreamEvent {
  type?: string;
  index?: number;
  message?: Message;
  content_block?: ContentBlock;
  delta?: {
    type?: string;
    text?: string;
    partial_json?: string;
    thinking?: string;
    stop_reason?: string | null;
  };
  usage?: MessagesUsage;
  error?: { type?: string; message?: string };
}

/**
 * The stream's events: `message_start` (id, model, the input usage), `content_block_*` (text,
 * tool input JSON, thinking), `message_delta` (stop reason, the output tokens — cumulative — and,
 * in newer API versions, updated input counts), `message_stop`; an `error` event is a failure.
 */
class MessagesAccumulator implements StreamAccumulator {
  private id: string | undefined;
  private model: string | undefined;
  private stopReason: string | undefined;
  private usage: MessagesUsage = {};
  private text = '';
  private blocks: ContentBlock[] | undefined;
  private toolInputs: string[] | undefined;
  private streamError: { type?: string; message?: string } | undefined;

  constructor(private readonly keepContent: boolean) {}

  add(chunk: unknown): void {
    const event = chunk as StreamEvent;
    switch (event?.type) {
      case 'message_start': {
        const message = event.message;
        if (typeof message?.id === 'string') this.id = message.id;
        if (typeof message?.model === 'string') this.model = message.model;
        if (message?.usage) this.usage = { ...message.usage };
        break;
      }
      case 'content_block_start':
        if (this.keepContent && event.content_block) {
          (this.blocks ??= [])[event.index ?? this.blocks.length] = { ...event.content_block };
        }
        break;
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string') {
          this.text += delta.text;
          if (this.keepContent) {
            const block = this.blocks?.[event.index ?? 0];
            if (block) block.text = (block.text ?? '') + delta.text;
          }
        } else if (
          this.keepContent &&
          delta?.type === 'input_json_delta' &&
          typeof delta.partial_json === 'string'
        ) {
          const index = event.index ?? 0;
          (this.toolInputs ??= [])[index] = (this.toolInputs[index] ?? '') + delta.partial_json;
        } else if (
          this.keepContent &&
          delta?.type === 'thinking_delta' &&
          typeof delta.thinking === 'string'
        ) {
          const block = this.blocks?.[event.index ?? 0];
          if (block) block.thinking = (block.thinking ?? '') + delta.thinking;
        }
        break;
      }
      case 'message_delta':
        if (event.delta?.stop_reason) this.stopReason = event.delta.stop_reason;
        if (event.usage) {
          // Counts in message_delta are cumulative: they replace, never add.
          for (const key of Object.keys(event.usage) as Array<keyof MessagesUsage>) {
            const value = event.usage[key];
            if (value !== null && value !== undefined)
              (this.usage as Record<string, unknown>)[key] = value;
          }
        }
        break;
      case 'error':
        this.streamError = event.error ?? { type: 'error' };
        break;
      default:
    }
  }

  result(): GenAIResponse {
    const response: GenAIResponse = {};
    if (this.id) response.id = this.id;
    if (this.model) response.model = this.model;
    if (this.stopReason) response.finishReasons = [this.stopReason];
    const usage = messagesUsage(this.usage);
    if (usage) response.usage = usage;
    if (this.text || this.stopReason) response.outputs = [this.text];
    if (this.keepContent) {
      const blocks = (this.blocks ?? []).filter(Boolean).map((block, index) => {
        const input = this.toolInputs?.[index];
        return block.type === 'tool_use' && input !== undefined
          ? { ...block, input: parseArguments(input) }
          : block;
      });
      response.content = () => [
        { role: 'assistant', parts: blockParts(blocks), finish_reason: this.stopReason ?? '' },
      ];
    }
    return response;
  }

  failure(): unknown {
    if (!this.streamError) return undefined;
    // As the SDK names it when the API answers with this error type in a response.
    const error = new Error(this.streamError.message ?? 'stream error') as Error & {
      type?: string;
    };
    error.name = this.streamError.type === 'overloaded_error' ? 'OverloadedError' : 'APIError';
    error.type = this.streamError.type;
    return error;
  }
}

export const messages: StainlessOperation = {
  describe,
  read,
  accumulator: (settings) => new MessagesAccumulator(settings.captureContent),
};
