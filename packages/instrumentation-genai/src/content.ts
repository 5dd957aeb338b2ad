// Captured message content in the conventions' message schema (gen_ai.input.messages,
// gen_ai.output.messages, gen_ai.system_instructions, gen_ai.tool.definitions). Provider files
// translate their SDK's shapes into these types; this file redacts, limits and records them.
import { diag, type AnyValue, type Attributes } from '@opentelemetry/api';
import type { ResolvedConfig } from './config';
import { redactBuiltIn } from './redaction';
import * as semconv from './semconv';
import type { RedactionContext } from './types';

export interface TextPart {
  type: 'text';
  content: string;
}
export interface ToolCallPart {
  type: 'tool_call';
  id?: string;
  name: string;
  arguments?: unknown;
}
export interface ToolCallResponsePart {
  type: 'tool_call_response';
  id?: string;
  response: unknown;
}
export interface UriPart {
  type: 'uri';
  modality: string;
  uri: string;
}
/** A part the conventions have no type for yet (kept by its provider type name). */
export interface OtherPart {
  type: string;
  content?: unknown;
}
export type MessagePart = TextPart | ToolCallPart | ToolCallResponsePart | UriPart | OtherPart;

export interface InputMessage {
  role: string;
  parts: MessagePart[];
  name?: string;
}
export interface OutputMessage {
  role: string;
  parts: MessagePart[];
  finish_reason: string;
}
export interface ToolDefinition {
  type: string;
  name: string;
  description?: string;
  parameters?: unknown;
}

/** What a provider file read of the content of a call (only asked for when capture is on). */
export interface CapturedContent {
  system?: MessagePart[];
  input?: InputMessage[];
  output?: OutputMessage[];
  tools?: ToolDefinition[];
}

const REDACTION_FAILED = '[redaction failed]';

/** Applies built-in redaction, the user's hook and the length limit to one text. */
function clean(
  text: string,
  context: RedactionContext,
  settings: Pick<ResolvedConfig, 'redactBuiltIn' | 'redact' | 'maxContentLength'>,
): string {
  let result = settings.redactBuiltIn ? redactBuiltIn(text) : text;
  if (settings.redact) {
    try {
      const redacted = settings.redact(result, context);
      result = typeof redacted === 'string' ? redacted : REDACTION_FAILED;
    } catch (error) {
      // Fail closed: a broken hook must not let unredacted content through.
      diag.error('elkhound: the redaction hook threw; the text part is not recorded', error);
      return REDACTION_FAILED;
    }
  }
  if (result.length > settings.maxContentLength) {
    const cut = result.length - settings.maxContentLength;
    result = `${result.slice(0, settings.maxContentLength)}…[truncated ${cut} characters]`;
  }
  return result;
}

function cleanValue(
  value: unknown,
  context: RedactionContext,
  settings: Pick<ResolvedConfig, 'redactBuiltIn' | 'redact' | 'maxContentLength'>,
): unknown {
  if (typeof value === 'string') return clean(value, context, settings);
  if (value === null || typeof value !== 'object') return value;
  // Structured tool arguments and results keep their shape: every string in them is cleaned.
  if (Array.isArray(value)) return value.map((item) => cleanValue(item, context, settings));
  const cleaned: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    cleaned[key] = cleanValue(item, context, settings);
  return cleaned;
}

function cleanParts(
  parts: MessagePart[],
  context: RedactionContext,
  settings: Pick<ResolvedConfig, 'redactBuiltIn' | 'redact' | 'maxContentLength'>,
): MessagePart[] {
  return parts.map((part) => {
    switch (part.type) {
      case 'text':
        return { ...part, content: clean((part as TextPart).content, context, settings) };
      case 'tool_call': {
        const call = part as ToolCallPart;
        return call.arguments === undefined
          ? call
          : { ...call, arguments: cleanValue(call.arguments, context, settings) };
      }
      case 'tool_call_response': {
        const response = part as ToolCallResponsePart;
        return { ...response, response: cleanValue(response.response, context, settings) };
      }
      case 'uri':
        return { ...part, uri: clean((part as UriPart).uri, context, settings) };
      default: {
        const other = part as OtherPart;
        return other.content === undefined
          ? other
          : { ...other, content: cleanValue(other.content, context, settings) };
      }
    }
  });
}

/** The content made safe to record, as structured values (for the event) by attribute name. */
export function sanitiseContent(
  content: CapturedContent,
  provider: string,
  settings: Pick<ResolvedConfig, 'redactBuiltIn' | 'redact' | 'maxContentLength'>,
): Record<string, AnyValue> {
  const values: Record<string, AnyValue> = {};
  if (content.system && content.system.length > 0) {
    values[semconv.ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = cleanParts(
      content.system,
      { kind: 'system', role: 'system', provider },
      settings,
    ) as unknown as AnyValue;
  }
  if (content.input) {
    values[semconv.ATTR_GEN_AI_INPUT_MESSAGES] = content.input.map((message) => ({
      ...message,
      parts: cleanParts(message.parts, { kind: 'input', role: message.role, provider }, settings),
    })) as unknown as AnyValue;
  }
  if (content.output) {
    values[semconv.ATTR_GEN_AI_OUTPUT_MESSAGES] = content.output.map((message) => ({
      ...message,
      parts: cleanParts(message.parts, { kind: 'output', role: message.role, provider }, settings),
    })) as unknown as AnyValue;
  }
  if (content.tools && content.tools.length > 0) {
    values[semconv.ATTR_GEN_AI_TOOL_DEFINITIONS] = content.tools as unknown as AnyValue;
  }
  return values;
}

/** Span attributes carry the content as JSON text, as the conventions ask for span attributes. */
export function contentAttributes(values: Record<string, AnyValue>): Attributes {
  const attributes: Attributes = {};
  for (const key in values) attributes[key] = JSON.stringify(values[key]);
  return attributes;
}
