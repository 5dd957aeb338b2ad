// Token estimates for calls whose provider reported no usage. Counted after the span's call ended
// (never per chunk), in the estimate worker thread (./estimate-worker, started by ./estimator),
// with the BPE encodings bundled in `gpt-tokenizer` (offline; loaded there on the first estimate,
// not at start-up: the o200k tables cost ~15 MB of heap and over half a second to load).
// docs/pricing.md states the accuracy, measured by test/estimate.test.ts against the OpenAI API's
// own counts.
import { createRequire } from 'node:module';
import type { Usage } from '@elkhound/pricing';

export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * What a provider file gives for an estimate of the input: the texts the model reads (message
 * roles, names and contents; tool definitions as JSON) and the tokens its chat format adds around
 * them (OpenAI: 3 per message, 1 per name, 3 to prime the reply).
 */
export interface PromptTexts {
  texts: string[];
  framingTokens: number;
  /** Tool definitions, counted by toolTokens. */
  tools?: readonly unknown[];
}

/**
 * Characters encoded per estimate of a prompt (and, apart, of an output); the rest is counted at
 * the tokens-per-character rate of the encoded part (chars / 4 when nothing was encoded).
 * Encoding costs ~0.1-0.4 µs per character: this bounds an estimate to a few milliseconds.
 */
export const EXACT_CHARACTERS = 24_000;
const MERGE_CACHE_ENTRIES = 10_000;
const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>() };

type Counter = (text: string) => number;
const counters = new Map<EncodingName, Counter | null>();
const load = createRequire(__filename);

/** Loads both encodings now (the estimate worker does, before it says it is ready). */
export function loadEncodings(): void {
  counter('o200k_base');
  counter('cl100k_base');
}

/** The encoding's counter, loaded once; null when the package cannot be loaded. */
function counter(encoding: EncodingName): Counter | null {
  let found = counters.get(encoding);
  if (found !== undefined) return found;
  try {
    const module = load(`gpt-tokenizer/encoding/${encoding}`) as {
      countTokens(text: string, options: object): number;
      setMergeCacheSize?(size: number): void;
    };
    module.setMergeCacheSize?.(MERGE_CACHE_ENTRIES);
    found = (text) => module.countTokens(text, NO_SPECIAL_TOKENS);
  } catch {
    found = null;
  }
  counters.set(encoding, found);
  return found;
}

/**
 * The encoding of a model: o200k for the GPT-4o era (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4,
 * gpt-oss) and, as an approximation, for every other provider's models; cl100k for older OpenAI
 * models (gpt-4, gpt-3.5, the text-embedding models).
 */
export function encodingFor(model: string | undefined): EncodingName {
  const name = (model ?? '').toLowerCase().replace(/^.*\//, '');
  if (/^(gpt-4(?![o.])|gpt-3\.5|text-embedding-|davinci-002|babbage-002)/.test(name))
    return 'cl100k_base';
  return 'o200k_base';
}

/**
 * Counts texts in one encoding within a budget of EXACT_CHARACTERS: texts past it are counted at
 * the tokens-per-character rate of what was encoded (chars / 4 before anything was).
 */
export class TokenCounter {
  private budget = EXACT_CHARACTERS;
  private encodedCharacters = 0;
  private encodedTokens = 0;
  private readonly count: Counter | null;

  constructor(encoding: EncodingName) {
    this.count = counter(encoding);
  }

  tokens(text: string): number {
    if (text.length === 0) return 0;
    const count = this.count;
    if (!count || this.budget === 0) return this.extrapolate(text.length);
    let cut = Math.min(text.length, this.budget);
    // Never between the halves of a surrogate pair.
    const code = text.charCodeAt(cut);
    if (cut < text.length && code >= 0xdc00 && code <= 0xdfff) cut--;
    const head = cut === text.length ? text : text.slice(0, cut);
    const tokens = count(head);
    this.budget -= head.length;
    this.encodedCharacters += head.length;
    this.encodedTokens += tokens;
    return tokens + (cut < text.length ? this.extrapolate(text.length - cut) : 0);
  }

  private extrapolate(characters: number): number {
    if (this.encodedCharacters === 0) return Math.ceil(characters / 4);
    return Math.ceil((characters * this.encodedTokens) / this.encodedCharacters);
  }
}

/**
 * The fallback when no count comes from the worker in time (or it cannot run): characters / 4
 * for every text, the tools as their JSON text, plus the chat framing; cheap enough for the main
 * thread (no encoding is loaded).
 */
export function approximateUsage(
  prompt: PromptTexts | undefined,
  outputs: readonly string[] | undefined,
): Usage | undefined {
  if (!prompt) return undefined;
  const quarter = (texts: readonly string[]) => {
    let characters = 0;
    for (const text of texts) characters += text.length;
    return Math.ceil(characters / 4);
  };
  let inputTokens = prompt.framingTokens + quarter(prompt.texts);
  if (prompt.tools && prompt.tools.length > 0) {
    try {
      inputTokens += quarter([JSON.stringify(prompt.tools)]);
    } catch {
      // A tool definition that cannot be serialised counts for nothing.
    }
  }
  return { inputTokens, outputTokens: quarter(outputs ?? []) };
}

/** Estimated usage from the prompt's texts and the output texts, or undefined with nothing to count. */
export function estimateUsage(
  model: string | undefined,
  prompt: PromptTexts | undefined,
  outputs: readonly string[] | undefined,
): Usage | undefined {
  if (!prompt) return undefined;
  // The output gets its own budget: a long prompt must not leave the output extrapolated.
  const encoding = encodingFor(model);
  const input = new TokenCounter(encoding);
  let inputTokens = prompt.framingTokens;
  for (const text of prompt.texts) inputTokens += input.tokens(text);
  if (prompt.tools && prompt.tools.length > 0)
    inputTokens += toolTokens(prompt.tools, input, encoding);
  const output = new TokenCounter(encoding);
  let outputTokens = 0;
  for (const text of outputs ?? []) outputTokens += output.tokens(text);
  return { inputTokens, outputTokens };
}

interface FunctionShape {
  name?: unknown;
  description?: unknown;
  parameters?: {
    properties?: Record<string, { type?: unknown; description?: unknown; enum?: unknown }>;
  };
}

/**
 * Function tools as OpenAI renders them into the prompt (the rule the OpenAI Cookbook published
 * and checked against the API: per function 7 tokens (10 for cl100k models), `name:description`,
 * per property 3 + `name:type:description`, enums 3 per item, 12 at the end); a tool of another
 * shape is counted as its JSON text.
 */
function toolTokens(
  tools: readonly unknown[],
  counter: TokenCounter,
  encoding: EncodingName,
): number {
  let tokens = 0;
  let functions = 0;
  for (const tool of tools) {
    if (!tool || typeof tool !== 'object') continue;
    const described = ((tool as { function?: unknown }).function ?? tool) as FunctionShape;
    if (typeof described.name !== 'string') {
      tokens += counter.tokens(JSON.stringify(tool));
      continue;
    }
    functions++;
    tokens += encoding === 'cl100k_base' ? 10 : 7;
    const description = typeof described.description === 'string' ? described.description : '';
    tokens += counter.tokens(`${described.name}:${description.replace(/\.$/, '')}`);
    const properties = described.parameters?.properties;
    if (!properties || typeof properties !== 'object') continue;
    const names = Object.keys(properties);
    if (names.length > 0) tokens += 3;
    for (const name of names) {
      const property = properties[name] ?? {};
      tokens += 3;
      if (Array.isArray(property.enum)) {
        tokens -= 3;
        for (const item of property.enum) tokens += 3 + counter.tokens(String(item));
      }
      const text = typeof property.description === 'string' ? property.description : '';
      tokens += counter.tokens(`${name}:${String(property.type ?? '')}:${text.replace(/\.$/, '')}`);
    }
  }
  if (functions > 0) tokens += 12;
  return tokens;
}
