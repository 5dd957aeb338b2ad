// `responses.create` (the Responses API): requests, whole responses and streamed events.
import type { Attributes } from '@opentelemetry/api';
import type { ResolvedConfig } from '../../config';
import type { InputMessage, MessagePart, OutputMessage } from '../../content';
import * as semconv from '../../semconv';
import type { GenAIRequest, GenAIResponse } from '../../span-recorder';
import { chatPromptTexts } from '../../prompt-texts';
import type { Body, StainlessOperation, StreamAccumulator } from '../stainless';
import {
  baseRequest,
  contentParts,
  number,
  parseArguments,
  responsesUsage,
  setIfDefined,
  toolDefinitions,
  type ResponsesUsage,
} from './shared';

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: unknown;
}

function describe(
  body: Body,
  client: { baseURL?: unknown } | undefined,
  settings: ResolvedConfig,
): GenAIRequest {
  const attributes: Attributes = {};
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS, number(body.max_output_tokens));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(body.temperature));
  setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(body.top_p));
  const format = (body.text as { format?: { type?: unknown } } | undefined)?.format?.type;
  if (format === 'json_object' || format === 'json_schema')
    attributes[semconv.ATTR_GEN_AI_OUTPUT_TYPE] = semconv.GEN_AI_OUTPUT_TYPE_JSON;
  else if (format === 'text')
    attributes[semconv.ATTR_GEN_AI_OUTPUT_TYPE] = semconv.GEN_AI_OUTPUT_TYPE_TEXT;

  const request = baseRequest(semconv.GEN_AI_OPERATION_CHAT, body, client, settings, attributes);
  // A string input is one user message; `instructions` and system/developer items are the
  // system instructions, as for chat completions.
  const items: InputItem[] =
    typeof body.input === 'string'
      ? [{ role: 'user', content: body.input }]
      : Array.isArray(body.input)
        ? (body.input as InputItem[])
        : [];
  const instructions = typeof body.instructions === 'string' ? body.instructions : undefined;
  if (settings.hasher) {
    const system: unknown[] = instructions !== undefined ? [instructions] : [];
    const conversation: unknown[] = [];
    for (const item of items) {
      if (item?.role === 'system' || item?.role === 'developer') system.push(item.content);
      else conversation.push(item);
    }
    request.prompt = { system, messages: conversation };
    if (Array.isArray(body.tools)) request.prompt.tools = body.tools;
  }
  const sent = items.slice();
  request.promptTexts = () => chatPromptTexts(sent, instructions, body.tools);
  request.content = () => {
    const system: MessagePart[] =
      instructions !== undefined ? [{ type: 'text', content: instructions }] : [];
    const input: InputMessage[] = [];
    for (const item of items) {
      if (!item || typeof item !== 'object') continue;
      if (item.type === 'function_call') {
        input.push({
          role: 'assistant',
          parts: [
            {
              type: 'tool_call',
              id: item.call_id,
              name: item.name ?? '',
              arguments: parseArguments(item.arguments),
            },
          ],
        });
      } else if (item.type === 'function_call_output') {
        input.push({
          role: 'tool',
          parts: [{ type: 'tool_call_response', id: item.call_id, response: item.output }],
        });
      } else if (item.role === 'system' || item.role === 'developer') {
        system.push(...contentParts(item.content));
      } else if (item.role) {
        input.push({ role: item.role, parts: contentParts(item.content) });
      }
    }
    const tools = toolDefinitions(body.tools);
    return { system, input, ...(tools ? { tools } : {}) };
  };
  return request;
}

interface OutputItem {
  type?: string;
  role?: string;
  content?: Array<{ type?: string; text?: string; refusal?: string }>;
  call_id?: string;
  name?: string;
  arguments?: string;
}

interface ResponseObject {
  id?: string;
  model?: string;
  status?: string;
  incomplete_details?: { reason?: string } | null;
  error?: { code?: string; message?: string } | null;
  output?: OutputItem[];
  usage?: ResponsesUsage | null;
}

/** The Responses API has a status, not finish reasons: mapped to chat's reasons. */
function finishReason(response: ResponseObject): string {
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    return reason === 'max_output_tokens' ? 'length' : (reason ?? 'incomplete');
  }
  if (response.status === 'failed') return 'error';
  if (response.output?.some((item) => item?.type === 'function_call')) return 'tool_calls';
  return response.status === 'completed' ? 'stop' : (response.status ?? 'unknown');
}

function messageText(item: OutputItem): string {
  let text = '';
  for (const part of item.content ?? []) {
    if (part?.type === 'output_text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

function readResponse(response: ResponseObject): GenAIResponse {
  const result: GenAIResponse = {};
  if (typeof response.id === 'string') result.id = response.id;
  if (typeof response.model === 'string') result.model = response.model;
  const reason = finishReason(response);
  result.finishReasons = [reason];
  const output = Array.isArray(response.output) ? response.output : [];
  const texts: string[] = [];
  for (const item of output) if (item?.type === 'message') texts.push(messageText(item));
  if (texts.length > 0) result.outputs = [texts.join('')];
  const usage = responsesUsage(response.usage);
  if (usage) result.usage = usage;
  result.content = () => {
    const parts: MessagePart[] = [];
    for (const item of output) {
      if (item?.type === 'message') parts.push(...contentParts(item.content));
      else if (item?.type === 'function_call')
        parts.push({
          type: 'tool_call',
          id: item.call_id,
          name: item.name ?? '',
          arguments: parseArguments(item.arguments),
        });
    }
    return [{ role: 'assistant', parts, finish_reason: reason } satisfies OutputMessage];
  };
  return result;
}

interface StreamEvent {
  type?: string;
  delta?: string;
  response?: ResponseObject;
  code?: string;
  message?: string;
}

/** A failed response, reported by the stream as an event: categorised like an API error. */
class ResponseFailedError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ResponseFailedError';
  }
}

class ResponsesStreamAccumulator implements StreamAccumulator {
  private last: ResponseObject | undefined;
  private text = '';
  private failed: ResponseFailedError | undefined;

  add(value: unknown): void {
    const event = value as StreamEvent;
    switch (event.type) {
      case 'response.output_text.delta':
        if (typeof event.delta === 'string') this.text += event.delta;
        return;
      case 'response.created':
      case 'response.in_progress':
      case 'response.completed':
      case 'response.incomplete':
        if (event.response) this.last = event.response;
        return;
      case 'response.failed':
        if (event.response) this.last = event.response;
        this.failed = new ResponseFailedError(
          event.response?.error?.message ?? 'The response failed',
          event.response?.error?.code,
        );
        return;
      case 'error':
        this.failed = new ResponseFailedError(event.message ?? 'Stream error', event.code);
        return;
    }
  }

  result(): GenAIResponse {
    const last = this.last;
    // The final event carries the whole response; until then, what the deltas said.
    if (last && last.status !== 'in_progress' && last.status !== 'queued')
      return readResponse(last);
    const partial: GenAIResponse = {};
    if (last?.id) partial.id = last.id;
    if (last?.model) partial.model = last.model;
    if (this.text) partial.outputs = [this.text];
    return partial;
  }

  failure(): unknown {
    return this.failed;
  }
}

export const responses: StainlessOperation = {
  describe,
  read: (result) => readResponse((result ?? {}) as ResponseObject),
  accumulator: () => new ResponsesStreamAccumulator(),
};
