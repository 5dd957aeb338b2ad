// Bedrock Runtime commands as GenAI calls. Converse and ConverseStream have one shape for every
// model; InvokeModel bodies are each family's own (Anthropic Messages, Meta Llama, Amazon Nova,
// Mistral, Cohere), parsed for usage without consuming anything the app reads: the response
// body is a byte array read in place, and a response stream's events are observed as the app
// iterates them, never ahead of it.
import type { Attributes } from '@opentelemetry/api';
import type { Usage } from '@elkhound/pricing';
import type { ResolvedConfig } from '../../config';
import type { InputMessage, MessagePart } from '../../content';
import type { PromptTexts } from '../../estimate';
import { chatPromptTexts, collectTexts } from '../../prompt-texts';
import * as semconv from '../../semconv';
import type { GenAIRequest, GenAIResponse } from '../../span-recorder';
import { foldUsage } from '../../usage';
import { messagesUsage } from '../anthropic/messages';
import type { AsyncOperation } from '../async-call';
import { number, setIfDefined } from '../openai/shared';
import type { StreamAccumulator } from '../stainless';
import { watchEndpoint } from './endpoint';
import { bedrockFamily, bedrockModel } from './models';

type Command = 'Converse' | 'ConverseStream' | 'InvokeModel' | 'InvokeModelWithResponseStream';
const COMMANDS = new Set<string>([
  'Converse',
  'ConverseStream',
  'InvokeModel',
  'InvokeModelWithResponseStream',
]);

interface CommandLike {
  input?: Record<string, unknown>;
  constructor?: { name?: string };
}

function commandOf(command: unknown): Command | undefined {
  const name = (command as CommandLike | null)?.constructor?.name?.replace(/Command$/, '');
  return name && COMMANDS.has(name) ? (name as Command) : undefined;
}

interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** Converse's inputTokens exclude the cache reads and writes, which it reports apart. */
export function converseUsage(usage: ConverseUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  return foldUsage({
    input: usage.inputTokens,
    inputIncludesCache: false,
    cacheRead: usage.cacheReadInputTokens,
    cacheWrite: usage.cacheWriteInputTokens,
    output: usage.outputTokens,
    outputIncludesReasoning: true,
  });
}

const decoder = new TextDecoder();

function json(bytes: unknown): Record<string, unknown> | undefined {
  try {
    if (typeof bytes === 'string') return JSON.parse(bytes) as Record<string, unknown>;
    if (bytes instanceof Uint8Array)
      return JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
  } catch {
    // Not JSON (an image model's body): nothing to read.
  }
  return undefined;
}

/** The generated texts of an InvokeModel response body, whatever the model family. */
function invokeOutputs(body: Record<string, unknown>): string[] {
  const texts: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string') texts.push(value);
  };
  add(body.generation); // Meta
  add(body.text); // Cohere Command R
  add(body.completion); // Anthropic text completions
  for (const item of (body.outputs ?? []) as Array<{ text?: unknown }>) add(item?.text); // Mistral
  for (const item of (body.generations ?? []) as Array<{ text?: unknown }>) add(item?.text); // Cohere
  for (const item of (body.results ?? []) as Array<{ outputText?: unknown }>) add(item?.outputText); // Titan
  for (const item of (body.choices ?? []) as Array<{ message?: { content?: unknown } }>)
    add(item?.message?.content); // Mistral chat
  for (const item of (body.content ?? []) as Array<{ text?: unknown }>) add(item?.text); // Claude
  return texts;
}

/** The prompt of an InvokeModel request body: chat messages, or the families' prompt members. */
function invokePrompt(body: Record<string, unknown>): PromptTexts {
  if (Array.isArray(body.messages))
    return chatPromptTexts(body.messages.slice(), body.system, body.tools);
  const texts: string[] = [];
  for (const key of ['prompt', 'inputText', 'preamble', 'chat_history', 'message', 'texts'])
    collectTexts(body[key], texts);
  return { texts, framingTokens: 0 };
}

/** Usage and finish reason of an InvokeModel response body, per model family. */
function invokeBody(
  family: ReturnType<typeof bedrockFamily>,
  body: Record<string, unknown>,
): GenAIResponse {
  const response: GenAIResponse = {};
  switch (family) {
    case 'anthropic': {
      if (typeof body.id === 'string') response.id = body.id;
      if (typeof body.model === 'string') response.model = body.model;
      if (typeof body.stop_reason === 'string') response.finishReasons = [body.stop_reason];
      const usage = messagesUsage(body.usage as Parameters<typeof messagesUsage>[0]);
      if (usage) response.usage = usage;
      break;
    }
    case 'meta': {
      if (typeof body.stop_reason === 'string') response.finishReasons = [body.stop_reason];
      const usage = foldUsage({
        input: body.prompt_token_count,
        inputIncludesCache: true,
        output: body.generation_token_count,
        outputIncludesReasoning: true,
      });
      if (usage) response.usage = usage;
      break;
    }
    case 'amazon': {
      if (typeof body.stopReason === 'string') response.finishReasons = [body.stopReason];
      const counts = (body.usage ?? {}) as Record<string, number>;
      const usage = foldUsage({
        input: counts.inputTokens,
        inputIncludesCache: false,
        cacheRead: counts.cacheReadInputTokenCount,
        cacheWrite: counts.cacheWriteInputTokenCount,
        output: counts.outputTokens,
        outputIncludesReasoning: true,
      });
      if (usage) response.usage = usage;
      break;
    }
    case 'mistral': {
      const outputs = (body.outputs ?? body.choices) as
        Array<{ stop_reason?: string; finish_reason?: string }> | undefined;
      const reasons = (outputs ?? [])
        .map((output) => output.stop_reason ?? output.finish_reason)
        .filter((reason): reason is string => !!reason);
      if (reasons.length > 0) response.finishReasons = reasons;
      const counts = body.usage as
        { prompt_tokens?: number; completion_tokens?: number } | undefined;
      const usage = foldUsage({
        input: counts?.prompt_tokens,
        inputIncludesCache: true,
        output: counts?.completion_tokens,
        outputIncludesReasoning: true,
      });
      if (usage) response.usage = usage;
      break;
    }
    case 'cohere': {
      if (typeof body.finish_reason === 'string')
        response.finishReasons = [body.finish_reason.toLowerCase()];
      const billed = (
        body.meta as
          { billed_units?: { input_tokens?: number; output_tokens?: number } } | undefined
      )?.billed_units;
      const usage = foldUsage({
        input: billed?.input_tokens,
        inputIncludesCache: true,
        output: billed?.output_tokens,
        outputIncludesReasoning: true,
      });
      if (usage) response.usage = usage;
      break;
    }
    default:
  }
  // Streams end with the invocation metrics: the token counts of any family.
  const metrics = body['amazon-bedrock-invocationMetrics'] as
    { inputTokenCount?: number; outputTokenCount?: number } | undefined;
  if (!response.usage && metrics) {
    const usage = foldUsage({
      input: metrics.inputTokenCount,
      inputIncludesCache: true,
      output: metrics.outputTokenCount,
      outputIncludesReasoning: true,
    });
    if (usage) response.usage = usage;
  }
  return response;
}

function textParts(content: unknown): MessagePart[] {
  if (!Array.isArray(content)) return [];
  const parts: MessagePart[] = [];
  for (const block of content as Array<Record<string, unknown>>) {
    if (typeof block?.text === 'string') parts.push({ type: 'text', content: block.text });
    else if (block?.toolUse) {
      const use = block.toolUse as { toolUseId?: string; name?: string; input?: unknown };
      parts.push({
        type: 'tool_call',
        id: use.toolUseId,
        name: use.name ?? '',
        arguments: use.input,
      });
    } else if (block?.toolResult) {
      const result = block.toolResult as { toolUseId?: string; content?: unknown };
      parts.push({ type: 'tool_call_response', id: result.toolUseId, response: result.content });
    } else parts.push({ type: Object.keys(block ?? {})[0] ?? 'unknown' });
  }
  return parts;
}

function describe(
  args: readonly unknown[],
  self: unknown,
  settings: ResolvedConfig,
): GenAIRequest | undefined {
  const kind = commandOf(args[0]);
  if (!kind) return undefined;
  const input = (args[0] as CommandLike).input ?? {};
  const modelId = typeof input.modelId === 'string' ? input.modelId : undefined;
  const stream = kind === 'ConverseStream' || kind === 'InvokeModelWithResponseStream';
  const attributes: Attributes = {};
  const request: GenAIRequest = {
    operation: semconv.GEN_AI_OPERATION_CHAT,
    provider: 'aws.bedrock',
    stream,
    attributes,
  };
  if (modelId) request.model = bedrockModel(modelId);
  // The client's endpoint and region are asynchronous providers, which the span's start cannot
  // wait for: server.address / server.port come from the request the SDK resolves (./endpoint).
  watchEndpoint(self);
  if (kind === 'Converse' || kind === 'ConverseStream') {
    const config = (input.inferenceConfig ?? {}) as Record<string, unknown>;
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS, number(config.maxTokens));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(config.temperature));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(config.topP));
    if (Array.isArray(config.stopSequences))
      attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = config.stopSequences.filter(
        (stop): stop is string => typeof stop === 'string',
      );
    const messages = Array.isArray(input.messages)
      ? (input.messages as Array<{ role?: string; content?: unknown }>)
      : [];
    const system = Array.isArray(input.system) ? (input.system as Array<{ text?: string }>) : [];
    if (settings.hasher) {
      request.prompt = {
        system: system.map((block) => block.text ?? block),
        messages: messages.map((message) => ({
          role: message.role,
          content: Array.isArray(message.content)
            ? (message.content as Array<{ text?: string }>).map((block) => block.text ?? block)
            : message.content,
        })),
      };
      const tools = (input.toolConfig as { tools?: unknown[] } | undefined)?.tools;
      if (Array.isArray(tools)) request.prompt.tools = tools;
    }
    const sent = messages.slice();
    const tools = (input.toolConfig as { tools?: unknown[] } | undefined)?.tools;
    request.promptTexts = () => chatPromptTexts(sent, system, tools);
    request.content = () => ({
      system: textParts(system),
      input: messages.map((message): InputMessage => ({
        role: message.role ?? 'user',
        parts: textParts(message.content),
      })),
    });
  } else {
    const body = json(input.body);
    if (body) {
      setIfDefined(
        attributes,
        semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS,
        number(
          body.max_tokens ??
            body.max_gen_len ??
            (body.inferenceConfig as { maxTokens?: number } | undefined)?.maxTokens,
        ),
      );
      setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(body.temperature));
      setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(body.top_p));
      request.promptTexts = () => invokePrompt(body);
      if (settings.hasher && Array.isArray(body.messages))
        request.prompt = {
          system: body.system === undefined ? [] : [body.system],
          messages: body.messages as unknown[],
        };
    }
  }
  return request;
}

function read(result: unknown, _settings: ResolvedConfig, args: readonly unknown[]): GenAIResponse {
  const output = (result ?? {}) as Record<string, unknown>;
  const kind = commandOf(args[0]);
  const modelId = modelIdOf(args);
  const requestId = (output.$metadata as { requestId?: string } | undefined)?.requestId;
  let response: GenAIResponse = {};
  if (kind === 'Converse') {
    if (typeof output.stopReason === 'string') response.finishReasons = [output.stopReason];
    const usage = converseUsage(output.usage as ConverseUsage | undefined);
    if (usage) response.usage = usage;
    const content = (output.output as { message?: { content?: unknown } } | undefined)?.message
      ?.content;
    const parts = textParts(content);
    response.outputs = [
      parts
        .map((part) => ('content' in part && typeof part.content === 'string' ? part.content : ''))
        .join(''),
    ];
    response.content = () => [
      { role: 'assistant', parts, finish_reason: response.finishReasons?.[0] ?? '' },
    ];
  } else if (kind === 'InvokeModel') {
    const body = json(output.body);
    if (body) {
      response = invokeBody(bedrockFamily(modelId), body);
      // The output texts, for an estimate where the body reports no usage (Mistral, Cohere).
      response.outputs ??= invokeOutputs(body);
    }
  }
  if (!response.id && requestId) response.id = requestId;
  return response;
}

/** ConverseStream events: messageStart, contentBlockDelta, messageStop (reason), metadata (usage). */
class ConverseStreamAccumulator implements StreamAccumulator {
  private text = '';
  private reason: string | undefined;
  private usage: ConverseUsage | undefined;
  private error: unknown;

  add(chunk: unknown): void {
    const event = chunk as Record<string, Record<string, unknown> | undefined>;
    const delta = event.contentBlockDelta?.delta as { text?: string } | undefined;
    if (typeof delta?.text === 'string') this.text += delta.text;
    else if (typeof event.messageStop?.stopReason === 'string')
      this.reason = event.messageStop.stopReason;
    else if (event.metadata?.usage) this.usage = event.metadata.usage as ConverseUsage;
    for (const key of [
      'internalServerException',
      'modelStreamErrorException',
      'throttlingException',
      'validationException',
      'serviceUnavailableException',
    ])
      if (event[key])
        this.error = Object.assign(new Error(String(event[key]?.message ?? key)), {
          name: key.charAt(0).toUpperCase() + key.slice(1),
        });
  }

  result(): GenAIResponse {
    const response: GenAIResponse = {};
    if (this.reason) response.finishReasons = [this.reason];
    const usage = converseUsage(this.usage);
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

  failure(): unknown {
    return this.error;
  }
}

/**
 * InvokeModelWithResponseStream events: `{ chunk: { bytes } }`, each the family's own JSON event
 * (for Anthropic the Messages stream events); the last carries the invocation metrics.
 */
class InvokeStreamAccumulator implements StreamAccumulator {
  private text = '';
  private response: GenAIResponse = {};
  private anthropicUsage: Record<string, number> = {};

  constructor(private readonly family: ReturnType<typeof bedrockFamily>) {}

  add(chunk: unknown): void {
    const body = json((chunk as { chunk?: { bytes?: unknown } } | null)?.chunk?.bytes);
    if (!body) return;
    if (this.family === 'anthropic') {
      const type = body.type;
      if (type === 'message_start') {
        const message = body.message as
          { id?: string; model?: string; usage?: Record<string, number> } | undefined;
        if (message?.id) this.response.id = message.id;
        if (message?.model) this.response.model = message.model;
        Object.assign(this.anthropicUsage, message?.usage);
      } else if (type === 'content_block_delta')
        this.text += (body.delta as { text?: string } | undefined)?.text ?? '';
      else if (type === 'message_delta') {
        const reason = (body.delta as { stop_reason?: string } | undefined)?.stop_reason;
        if (reason) this.response.finishReasons = [reason];
        Object.assign(this.anthropicUsage, body.usage);
      }
      const usage = messagesUsage(this.anthropicUsage as Parameters<typeof messagesUsage>[0]);
      if (usage) this.response.usage = usage;
    } else {
      const piece = invokeBody(this.family, body);
      if (piece.finishReasons) this.response.finishReasons = piece.finishReasons;
      if (piece.usage) this.response.usage = piece.usage;
      const text =
        body.generation ??
        body.text ??
        (body.outputs as Array<{ text?: string }> | undefined)?.[0]?.text;
      if (typeof text === 'string') this.text += text;
    }
    const metrics = body['amazon-bedrock-invocationMetrics'] as
      { inputTokenCount?: number; outputTokenCount?: number } | undefined;
    if (metrics && !this.response.usage) {
      const usage = foldUsage({
        input: metrics.inputTokenCount,
        inputIncludesCache: true,
        output: metrics.outputTokenCount,
        outputIncludesReasoning: true,
      });
      if (usage) this.response.usage = usage;
    }
  }

  result(): GenAIResponse {
    const response: GenAIResponse = { ...this.response };
    if (this.text || response.finishReasons) response.outputs = [this.text];
    return response;
  }
}

function modelIdOf(args: readonly unknown[]): string {
  return String((args[0] as CommandLike | undefined)?.input?.modelId ?? '');
}

export const bedrockSend: AsyncOperation = {
  describe,
  read,
  accumulator(_settings, args) {
    const kind = commandOf(args[0]);
    if (kind === 'ConverseStream') return new ConverseStreamAccumulator();
    if (kind === 'InvokeModelWithResponseStream')
      return new InvokeStreamAccumulator(bedrockFamily(modelIdOf(args)));
    return undefined;
  },
  // The event stream is the output's `stream` (ConverseStream) or `body` (InvokeModelWithResponseStream).
  streamOf(value, args) {
    const output = (value ?? {}) as { stream?: unknown; body?: unknown };
    return commandOf(args[0]) === 'ConverseStream' ? output.stream : output.body;
  },
};
