// Readers shared by the openai operations.
import type { Attributes } from '@opentelemetry/api';
import type { Usage } from '@elkhound/pricing';
import type { ResolvedConfig } from '../../config';
import type { MessagePart, ToolDefinition } from '../../content';
import type { GenAIRequest } from '../../span-recorder';
import { foldUsage } from '../../usage';
import { locate } from './hosts';

export function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function setIfDefined(attributes: Attributes, key: string, value: unknown): void {
  if (value !== undefined && value !== null) attributes[key] = value as Attributes[string];
}

/** The request skeleton: operation, model, provider and server from the client's base URL. */
export function baseRequest(
  operation: string,
  body: Record<string, unknown>,
  client: { baseURL?: unknown } | undefined,
  settings: ResolvedConfig,
  attributes: Attributes,
): GenAIRequest {
  const where = locate(client, settings.providerHosts);
  const request: GenAIRequest = {
    operation,
    provider: where.provider,
    stream: body.stream === true,
    attributes,
  };
  if (typeof body.model === 'string') request.model = body.model;
  if (where.address) request.serverAddress = where.address;
  if (where.port !== undefined) request.serverPort = where.port;
  return request;
}

/** Token counts of the chat completions API (prompt_tokens, completion_tokens, details). */
export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** Token counts of the Responses API (input_tokens, output_tokens, details). */
export interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number | null } | null;
  output_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** OpenAI's input counts already include cached tokens, and its output counts reasoning tokens. */
function usageFromCounts(
  input: unknown,
  output: unknown,
  cached: unknown,
  reasoning: unknown,
): Usage | undefined {
  return foldUsage({
    input,
    inputIncludesCache: true,
    cacheRead: cached,
    output,
    reasoning,
    outputIncludesReasoning: true,
  });
}

export function chatUsage(usage: ChatUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  return usageFromCounts(
    usage.prompt_tokens,
    usage.completion_tokens,
    usage.prompt_tokens_details?.cached_tokens,
    usage.completion_tokens_details?.reasoning_tokens,
  );
}

export function responsesUsage(usage: ResponsesUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  return usageFromCounts(
    usage.input_tokens,
    usage.output_tokens,
    usage.input_tokens_details?.cached_tokens,
    usage.output_tokens_details?.reasoning_tokens,
  );
}

/** Tool arguments arrive as JSON text: recorded as the object when they parse. */
export function parseArguments(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A message's content (a string or content parts) in the conventions' part schema. */
export function contentParts(content: unknown): MessagePart[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: MessagePart[] = [];
  for (const item of content as Array<Record<string, unknown>>) {
    if (!item || typeof item !== 'object') continue;
    const type = item.type;
    if (
      (type === 'text' || type === 'input_text' || type === 'output_text' || type === 'refusal') &&
      typeof (item.text ?? item.refusal) === 'string'
    ) {
      parts.push({ type: 'text', content: (item.text ?? item.refusal) as string });
    } else if (type === 'image_url') {
      const url = (item.image_url as { url?: unknown } | undefined)?.url;
      if (typeof url === 'string') parts.push({ type: 'uri', modality: 'image', uri: url });
    } else if (type === 'input_image' && typeof item.image_url === 'string') {
      parts.push({ type: 'uri', modality: 'image', uri: item.image_url });
    } else {
      // Audio, files and future part types: named, without their (binary) payload.
      parts.push({ type: typeof type === 'string' ? type : 'unknown' });
    }
  }
  return parts;
}

/** Function tool definitions in the conventions' schema (chat's nested and Responses' flat forms). */
export function toolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const tool of tools as Array<Record<string, unknown>>) {
    if (!tool || typeof tool !== 'object') continue;
    const described = (tool.function as Record<string, unknown> | undefined) ?? tool;
    const definition: ToolDefinition = {
      type: typeof tool.type === 'string' ? tool.type : 'function',
      name: typeof described.name === 'string' ? described.name : String(tool.type ?? 'tool'),
    };
    if (typeof described.description === 'string') definition.description = described.description;
    if (described.parameters !== undefined) definition.parameters = described.parameters;
    definitions.push(definition);
  }
  return definitions;
}

/**
 * The canonical prompt of a chat-style request (docs/prompt-hash.md): the system (and
 * developer) messages' contents, the rest of the conversation, the tool definitions. Shared by
 * the SDKs whose requests carry `{ role, content }` messages (openai, Mistral, Cohere v2).
 */
export function chatPrompt(
  messages: readonly ({ role?: string; content?: unknown } | null | undefined)[],
  tools: unknown,
): { system: unknown[]; messages: unknown[]; tools?: unknown[] } {
  const system: unknown[] = [];
  const conversation: unknown[] = [];
  for (const message of messages) {
    if (message?.role === 'system' || message?.role === 'developer') system.push(message.content);
    else conversation.push(message);
  }
  return Array.isArray(tools)
    ? { system, messages: conversation, tools }
    : { system, messages: conversation };
}
