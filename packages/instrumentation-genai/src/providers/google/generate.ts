// `models.generateContent`, `generateContentStream` and `embedContent` of `@google/genai`:
// requests, responses and streamed chunks (each chunk a GenerateContentResponse).
import type { Attributes } from '@opentelemetry/api';
import type { Usage } from '@elkhound/pricing';
import type { ResolvedConfig } from '../../config';
import type { InputMessage, MessagePart, OutputMessage, ToolDefinition } from '../../content';
import { chatPromptTexts, embeddingInputTexts } from '../../prompt-texts';
import * as semconv from '../../semconv';
import type { GenAIRequest, GenAIResponse } from '../../span-recorder';
import { foldUsage } from '../../usage';
import type { AsyncOperation } from '../async-call';
import { number, setIfDefined } from '../openai/shared';
import type { StreamAccumulator } from '../stainless';

interface Part {
  text?: string;
  thought?: boolean;
  functionCall?: { id?: string; name?: string; args?: unknown };
  functionResponse?: { id?: string; name?: string; response?: unknown };
  inlineData?: { mimeType?: string };
  fileData?: { fileUri?: string; mimeType?: string };
}

interface Content {
  role?: string;
  parts?: Part[];
}

interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

interface GenerateContentResponse {
  responseId?: string;
  modelVersion?: string;
  candidates?: Array<{ content?: Content; finishReason?: string; index?: number }>;
  usageMetadata?: UsageMetadata;
}

interface ModelsLike {
  apiClient?: { isVertexAI?: () => boolean; getBaseUrl?: () => string };
}

/**
 * Gemini's prompt count already includes the cached tokens; its candidates count excludes the
 * thinking tokens (`thoughtsTokenCount`), which the conventions' output count includes. Tokens of
 * tool-use prompts (code execution, search) are input too.
 */
export function geminiUsage(usage: UsageMetadata | undefined): Usage | undefined {
  if (!usage) return undefined;
  const prompt = number(usage.promptTokenCount);
  return foldUsage({
    input: prompt === undefined ? undefined : prompt + (number(usage.toolUsePromptTokenCount) ?? 0),
    inputIncludesCache: true,
    cacheRead: usage.cachedContentTokenCount,
    output: usage.candidatesTokenCount ?? 0,
    reasoning: usage.thoughtsTokenCount,
    outputIncludesReasoning: false,
  });
}

// Clients are long-lived: each is located once.
const located = new WeakMap<object, { provider: string; address?: string; port?: number }>();

function locate(models: ModelsLike | undefined): {
  provider: string;
  address?: string;
  port?: number;
} {
  const client = models?.apiClient;
  const cached = client ? located.get(client) : undefined;
  if (cached) return cached;
  const provider = client?.isVertexAI?.() ? 'gcp.vertex_ai' : 'gcp.gemini';
  let location: { provider: string; address?: string; port?: number } = { provider };
  try {
    const url = new URL(client?.getBaseUrl?.() ?? '');
    location = {
      provider,
      address: url.hostname.toLowerCase(),
      port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443,
    };
  } catch {
    // No base URL known: no server attributes.
  }
  if (client) located.set(client, location);
  return location;
}

/** `contents` as the SDK accepts it: a string, a Content, parts, or a list of those. */
function contentsOf(contents: unknown): Content[] {
  if (typeof contents === 'string') return [{ role: 'user', parts: [{ text: contents }] }];
  if (!Array.isArray(contents)) {
    if (contents && typeof contents === 'object' && 'parts' in contents)
      return [contents as Content];
    if (contents && typeof contents === 'object')
      return [{ role: 'user', parts: [contents as Part] }];
    return [];
  }
  if (
    contents.every(
      (item) =>
        typeof item === 'string' || (item && typeof item === 'object' && !('parts' in item)),
    )
  )
    return [
      {
        role: 'user',
        parts: contents.map((item) => (typeof item === 'string' ? { text: item } : (item as Part))),
      },
    ];
  return contents.flatMap(contentsOf);
}

function partsOf(parts: readonly Part[] | undefined): MessagePart[] {
  const out: MessagePart[] = [];
  for (const part of parts ?? []) {
    if (!part || typeof part !== 'object') continue;
    if (typeof part.text === 'string')
      out.push(
        part.thought
          ? { type: 'reasoning', content: part.text }
          : { type: 'text', content: part.text },
      );
    else if (part.functionCall)
      out.push({
        type: 'tool_call',
        id: part.functionCall.id,
        name: part.functionCall.name ?? '',
        arguments: part.functionCall.args,
      });
    else if (part.functionResponse)
      out.push({
        type: 'tool_call_response',
        id: part.functionResponse.id,
        response: part.functionResponse.response,
      });
    else if (part.fileData?.fileUri)
      out.push({
        type: 'uri',
        modality: (part.fileData.mimeType ?? 'file').split('/')[0] as string,
        uri: part.fileData.fileUri,
      });
    else out.push({ type: part.inlineData ? 'blob' : 'unknown' });
  }
  return out;
}

function systemOf(instruction: unknown): MessagePart[] {
  if (instruction === undefined || instruction === null) return [];
  return contentsOf(instruction).flatMap((content) => partsOf(content.parts));
}

function toolsOf(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const tool of tools as Array<{ functionDeclarations?: Array<Record<string, unknown>> }>) {
    for (const declaration of tool?.functionDeclarations ?? []) {
      const definition: ToolDefinition = {
        type: 'function',
        name: typeof declaration.name === 'string' ? declaration.name : 'function',
      };
      if (typeof declaration.description === 'string')
        definition.description = declaration.description;
      const parameters = declaration.parametersJsonSchema ?? declaration.parameters;
      if (parameters !== undefined) definition.parameters = parameters;
      definitions.push(definition);
    }
  }
  return definitions.length > 0 ? definitions : undefined;
}

/** The model name as the user wrote it, without the API's `models/` prefix. */
function modelName(model: unknown): string | undefined {
  if (typeof model !== 'string') return undefined;
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}

function describeGenerate(stream: boolean) {
  return (
    args: readonly unknown[],
    self: unknown,
    settings: ResolvedConfig,
  ): GenAIRequest | undefined => {
    const params = args[0] as
      { model?: unknown; contents?: unknown; config?: Record<string, unknown> } | undefined;
    if (!params || typeof params !== 'object') return undefined;
    const config = params.config ?? {};
    const attributes: Attributes = {};
    setIfDefined(
      attributes,
      semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS,
      number(config.maxOutputTokens),
    );
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE, number(config.temperature));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_P, number(config.topP));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_TOP_K, number(config.topK));
    setIfDefined(attributes, semconv.ATTR_GEN_AI_REQUEST_SEED, number(config.seed));
    setIfDefined(
      attributes,
      semconv.ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
      number(config.frequencyPenalty),
    );
    setIfDefined(
      attributes,
      semconv.ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
      number(config.presencePenalty),
    );
    const candidates = number(config.candidateCount);
    if (candidates !== undefined && candidates !== 1)
      attributes[semconv.ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = candidates;
    if (Array.isArray(config.stopSequences))
      attributes[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = config.stopSequences.filter(
        (stop): stop is string => typeof stop === 'string',
      );
    if (config.responseMimeType === 'application/json')
      attributes[semconv.ATTR_GEN_AI_OUTPUT_TYPE] = semconv.GEN_AI_OUTPUT_TYPE_JSON;
    const where = locate(self as ModelsLike);
    const request: GenAIRequest = {
      operation: semconv.GEN_AI_OPERATION_CHAT,
      provider: where.provider,
      stream,
      attributes,
    };
    const model = modelName(params.model);
    if (model) request.model = model;
    if (where.address) request.serverAddress = where.address;
    if (where.port !== undefined) request.serverPort = where.port;
    const contents = contentsOf(params.contents);
    if (settings.hasher) {
      // The canonical prompt: the system text, the conversation as {role, content}, the tools.
      const system = systemOf(config.systemInstruction).map((part) =>
        'content' in part ? part.content : part,
      );
      request.prompt = {
        system,
        messages: contents.map((content) => ({
          role: content.role === 'model' ? 'assistant' : (content.role ?? 'user'),
          content: (content.parts ?? []).map((part) =>
            typeof part.text === 'string' ? part.text : part,
          ),
        })),
      };
      if (Array.isArray(config.tools)) request.prompt.tools = config.tools as unknown[];
    }
    const sent = contents.slice();
    request.promptTexts = () => chatPromptTexts(sent, config.systemInstruction, config.tools);
    request.content = () => {
      const input: InputMessage[] = contents.map((content) => ({
        role: content.role === 'model' ? 'assistant' : (content.role ?? 'user'),
        parts: partsOf(content.parts),
      }));
      const tools = toolsOf(config.tools);
      return { system: systemOf(config.systemInstruction), input, ...(tools ? { tools } : {}) };
    };
    return request;
  };
}

/** Finish reasons as the API names them, lower-cased (`STOP` → `stop`, `MAX_TOKENS` → `max_tokens`). */
function finishReason(reason: unknown): string | undefined {
  return typeof reason === 'string' && reason !== 'FINISH_REASON_UNSPECIFIED'
    ? reason.toLowerCase()
    : undefined;
}

function textOf(content: Content | undefined): string {
  let text = '';
  for (const part of content?.parts ?? [])
    if (typeof part.text === 'string' && !part.thought) text += part.text;
  return text;
}

function readGenerate(result: unknown): GenAIResponse {
  const response = (result ?? {}) as GenerateContentResponse;
  const out: GenAIResponse = {};
  if (typeof response.responseId === 'string') out.id = response.responseId;
  if (typeof response.modelVersion === 'string') out.model = response.modelVersion;
  const candidates = response.candidates ?? [];
  const reasons = candidates
    .map((candidate) => finishReason(candidate.finishReason))
    .filter((reason): reason is string => !!reason);
  if (reasons.length > 0) out.finishReasons = reasons;
  const usage = geminiUsage(response.usageMetadata);
  if (usage) out.usage = usage;
  if (candidates.length > 0) {
    out.outputs = candidates.map((candidate) => textOf(candidate.content));
    out.content = (): OutputMessage[] =>
      candidates.map((candidate) => ({
        role: 'assistant',
        parts: partsOf(candidate.content?.parts),
        finish_reason: finishReason(candidate.finishReason) ?? '',
      }));
  }
  return out;
}

/** Chunks carry the response id, model and (cumulative) usage; the text arrives in pieces. */
class GenerateAccumulator implements StreamAccumulator {
  private id: string | undefined;
  private model: string | undefined;
  private usage: UsageMetadata | undefined;
  private readonly texts: string[] = [];
  private readonly reasons: string[] = [];
  private parts: Part[][] | undefined;

  constructor(private readonly keepContent: boolean) {}

  add(chunk: unknown): void {
    const response = chunk as GenerateContentResponse;
    if (typeof response?.responseId === 'string') this.id = response.responseId;
    if (typeof response?.modelVersion === 'string') this.model = response.modelVersion;
    if (response?.usageMetadata) this.usage = response.usageMetadata;
    const candidates = response?.candidates;
    if (!candidates) return;
    for (let position = 0; position < candidates.length; position++) {
      const candidate = candidates[position];
      const index = candidate?.index ?? position;
      const text = textOf(candidate?.content);
      if (text) this.texts[index] = (this.texts[index] ?? '') + text;
      const reason = finishReason(candidate?.finishReason);
      if (reason) this.reasons[index] = reason;
      if (this.keepContent && candidate?.content?.parts)
        ((this.parts ??= [])[index] ??= []).push(...candidate.content.parts);
    }
  }

  result(): GenAIResponse {
    const out: GenAIResponse = {};
    if (this.id) out.id = this.id;
    if (this.model) out.model = this.model;
    const reasons = this.reasons.filter(Boolean);
    if (reasons.length > 0) out.finishReasons = reasons;
    const usage = geminiUsage(this.usage);
    if (usage) out.usage = usage;
    if (this.texts.length > 0 || reasons.length > 0)
      out.outputs = Array.from(this.texts, (text) => text ?? '');
    if (this.keepContent) {
      const parts = this.parts ?? [];
      out.content = () =>
        parts.map((candidateParts, index) => ({
          role: 'assistant',
          parts: partsOf(mergeText(candidateParts)),
          finish_reason: this.reasons[index] ?? '',
        }));
    }
    return out;
  }
}

/** Streamed text parts joined into one part (thoughts apart), as a whole response would have them. */
function mergeText(parts: readonly Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (
      typeof part.text === 'string' &&
      last &&
      typeof last.text === 'string' &&
      !!last.thought === !!part.thought
    )
      merged[merged.length - 1] = { ...last, text: last.text + part.text };
    else merged.push(part);
  }
  return merged;
}

function describeEmbed(args: readonly unknown[], self: unknown): GenAIRequest | undefined {
  const params = args[0] as
    { model?: unknown; contents?: unknown; config?: Record<string, unknown> } | undefined;
  if (!params || typeof params !== 'object') return undefined;
  const where = locate(self as ModelsLike);
  const attributes: Attributes = {};
  setIfDefined(
    attributes,
    semconv.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
    number(params.config?.outputDimensionality),
  );
  const request: GenAIRequest = {
    operation: semconv.GEN_AI_OPERATION_EMBEDDINGS,
    provider: where.provider,
    stream: false,
    attributes,
  };
  const model = modelName(params.model);
  if (model) request.model = model;
  if (where.address) request.serverAddress = where.address;
  if (where.port !== undefined) request.serverPort = where.port;
  // The Gemini API counts no tokens for embeddings: they are estimated from the contents.
  const contents = Array.isArray(params.contents) ? params.contents.slice() : params.contents;
  request.promptTexts = () => embeddingInputTexts(contents);
  return request;
}

function readEmbed(result: unknown): GenAIResponse {
  // The Gemini API reports no token counts for embeddings; Vertex AI reports them per input.
  const response = (result ?? {}) as {
    embeddings?: Array<{ values?: unknown[]; statistics?: { tokenCount?: number } }>;
  };
  const out: GenAIResponse = {};
  let tokens: number | undefined;
  for (const embedding of response.embeddings ?? []) {
    const count = number(embedding?.statistics?.tokenCount);
    if (count !== undefined) tokens = (tokens ?? 0) + count;
  }
  if (tokens !== undefined) out.usage = { inputTokens: tokens, outputTokens: 0 };
  return out;
}

/**
 * @google/genai enforces `httpOptions.timeout` (the client's, or the call's `config.httpOptions`)
 * by aborting its own request: the AbortError is a timeout unless the app's `config.abortSignal`
 * was the one aborted.
 */
function timeoutOrCancel(error: unknown, args: readonly unknown[], self: unknown) {
  if (!(error instanceof Error) || error.name !== 'AbortError') return undefined;
  const config = (args[0] as { config?: GoogleCallConfig } | undefined)?.config;
  if (config?.abortSignal?.aborted) return 'cancelled' as const;
  const client = (
    self as { apiClient?: { clientOptions?: { httpOptions?: { timeout?: unknown } } } }
  )?.apiClient?.clientOptions?.httpOptions?.timeout;
  const timeout = config?.httpOptions?.timeout ?? client;
  return typeof timeout === 'number' && timeout > 0 ? ('timeout' as const) : undefined;
}

interface GoogleCallConfig {
  abortSignal?: { aborted?: boolean };
  httpOptions?: { timeout?: number };
}

export const generateContent: AsyncOperation = {
  describe: describeGenerate(false),
  read: readGenerate,
  errorCategory: timeoutOrCancel,
};
export const generateContentStream: AsyncOperation = {
  describe: describeGenerate(true),
  read: readGenerate,
  accumulator: (settings) => new GenerateAccumulator(settings.captureContent),
  errorCategory: timeoutOrCancel,
};
export const embedContent: AsyncOperation = {
  describe: describeEmbed,
  read: readEmbed,
  errorCategory: timeoutOrCancel,
};
