// The texts of a request for a token estimate, from any SDK's request shapes: the string leaves of
// messages (roles, names, contents, tool calls), leaving out what the model does not read as text
// (part types, ids, URLs and inline data). Chat framing follows OpenAI's published rule (3 tokens
// per message, 1 per name, 3 to prime the reply), which other providers' formats approximate.
import type { PromptTexts } from './estimate';

/** Keys whose values are not text the model reads. */
const NOT_TEXT = new Set([
  'type',
  'id',
  'tool_call_id',
  'call_id',
  'toolUseId',
  'cache_control',
  'cachePoint',
  'image_url',
  'url',
  'uri',
  'fileUri',
  'file_id',
  'data',
  'bytes',
  'source',
  'mimeType',
  'mime_type',
  'media_type',
  'format',
  'detail',
  'signature',
]);
const MAX_DEPTH = 12;

/** Appends the text leaves of `value` to `texts`. */
export function collectTexts(value: unknown, texts: string[], depth = 0): void {
  if (typeof value === 'string') {
    if (value.length > 0 && !value.startsWith('data:')) texts.push(value);
    return;
  }
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) collectTexts(item, texts, depth + 1);
    return;
  }
  for (const key in value) {
    if (NOT_TEXT.has(key)) continue;
    collectTexts((value as Record<string, unknown>)[key], texts, depth + 1);
  }
}

/**
 * A chat prompt: the system instructions (any shape; one message when present), the messages
 * and the tool definitions (see toolTokens of ./estimate).
 */
export function chatPromptTexts(
  messages: readonly unknown[],
  system?: unknown,
  tools?: unknown,
): PromptTexts {
  const texts: string[] = [];
  let framingTokens = 0;
  if (system !== undefined && system !== null && system !== '') {
    collectTexts(system, texts);
    framingTokens += 3;
  }
  for (const message of messages) {
    if (message === null || message === undefined) continue;
    collectTexts(message, texts);
    framingTokens += 3;
    if (typeof (message as { name?: unknown }).name === 'string') framingTokens += 1;
  }
  if (framingTokens > 0) framingTokens += 3;
  if (Array.isArray(tools) && tools.length > 0)
    return { texts, framingTokens, tools: tools.slice() };
  return { texts, framingTokens };
}

/**
 * Embedding inputs: texts, or token arrays (counted as they are, exactly).
 */
export function embeddingInputTexts(input: unknown): PromptTexts {
  const texts: string[] = [];
  let framingTokens = 0;
  const add = (item: unknown) => {
    if (typeof item === 'string') texts.push(item);
    else if (Array.isArray(item) && item.every((token) => typeof token === 'number'))
      framingTokens += item.length;
    else collectTexts(item, texts);
  };
  if (Array.isArray(input) && !input.every((token) => typeof token === 'number'))
    for (const item of input) add(item);
  else add(input);
  return { texts, framingTokens };
}
