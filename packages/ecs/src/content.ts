import { setOwnMember, type AnyValue } from '@elkhound/otlp';

/**
 * GenAI content attributes (`gen_ai.input.messages`, `gen_ai.output.messages`,
 * `gen_ai.system_instructions`, `gen_ai.tool.definitions`) and structured log bodies are mapped
 * `flattened`, which takes an object or an array of objects but refuses a bare string. The SDKs
 * send the content as a JSON string attribute: parse it; wrap what is not object-shaped.
 */
export function toFlattened(value: AnyValue): Record<string, unknown> | unknown[] {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    const first = value.trimStart()[0];
    if (first === '{' || first === '[') {
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = value;
      }
    }
  }
  if (isPlainObject(parsed)) return parsed as Record<string, unknown>;
  if (Array.isArray(parsed) && parsed.every(isPlainObject)) return parsed;
  return { value: toJsonValue(parsed as AnyValue) };
}

function isPlainObject(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

/** AnyValue as JSON: bytes become base64, the rest stays as it is. */
export function toJsonValue(value: AnyValue): unknown {
  // Nearly every attribute is a string, number or boolean: answer those first.
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key in value) setOwnMember(out, key, toJsonValue(value[key]));
    return out;
  }
  return value;
}
