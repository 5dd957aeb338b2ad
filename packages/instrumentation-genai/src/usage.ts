// Token usage in the conventions' terms: `gen_ai.usage.input_tokens` includes cache reads and
// writes, `gen_ai.usage.output_tokens` includes reasoning tokens. Providers count differently
// (OpenAI's prompt_tokens already include cached tokens; Anthropic's input_tokens exclude cache
// reads and writes; some report reasoning apart from output): each provider file says which, and
// this one place folds.
import type { Usage } from '@elkhound/pricing';

export interface TokenCounts {
  input?: unknown;
  /** Whether `input` already counts the cache reads and writes. */
  inputIncludesCache: boolean;
  cacheRead?: unknown;
  cacheWrite?: unknown;
  /** Cache writes with a one-hour lifetime (priced apart by some providers); part of cacheWrite. */
  cacheWrite1h?: unknown;
  output?: unknown;
  reasoning?: unknown;
  /** Whether `output` already counts the reasoning tokens. */
  outputIncludesReasoning: boolean;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The usage of a call, or undefined when the provider reported no input count. */
export function foldUsage(counts: TokenCounts): Usage | undefined {
  const input = count(counts.input);
  if (input === undefined) return undefined;
  const cacheRead = count(counts.cacheRead);
  const cacheWrite = count(counts.cacheWrite);
  const reasoning = count(counts.reasoning);
  const output = count(counts.output) ?? 0;
  const usage: Usage = {
    inputTokens: counts.inputIncludesCache ? input : input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: counts.outputIncludesReasoning ? output : output + (reasoning ?? 0),
  };
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
  const cacheWrite1h = count(counts.cacheWrite1h);
  if (cacheWrite1h !== undefined) usage.cacheWrite1hTokens = cacheWrite1h;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}
