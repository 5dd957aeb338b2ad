import type { Usage as PriceDataUsage } from '@pydantic/genai-prices';
import type { Usage } from './types';

/**
 * Why a usage cannot be priced, or undefined when it can. Both pricing paths need the parts to
 * fit inside their totals: the data's `calcPrice` throws otherwise, and the fast path would
 * price a negative number of uncached tokens.
 */
export function usageProblem(usage: Usage): string | undefined {
  const { inputTokens, outputTokens } = usage;
  if (!isCount(inputTokens)) return `usage.inputTokens is ${String(inputTokens)}`;
  if (!isCount(outputTokens)) return `usage.outputTokens is ${String(outputTokens)}`;
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const cacheWrite1h = usage.cacheWrite1hTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  const inputAudio = usage.inputAudioTokens ?? 0;
  const outputAudio = usage.outputAudioTokens ?? 0;
  if (
    !isCount(cacheRead) ||
    !isCount(cacheWrite) ||
    !isCount(cacheWrite1h) ||
    !isCount(reasoning) ||
    !isCount(inputAudio) ||
    !isCount(outputAudio)
  ) {
    return 'a token count of the usage is not a non-negative number';
  }
  if (cacheRead + cacheWrite > inputTokens) {
    return `cache reads (${cacheRead}) and writes (${cacheWrite}) exceed inputTokens (${inputTokens}): input tokens must include them`;
  }
  if (cacheWrite1h > cacheWrite) {
    return `cacheWrite1hTokens (${cacheWrite1h}) exceed cacheWriteTokens (${cacheWrite})`;
  }
  if (inputAudio > inputTokens) {
    return `inputAudioTokens (${inputAudio}) exceed inputTokens (${inputTokens})`;
  }
  if (reasoning > outputTokens || outputAudio > outputTokens) {
    return `reasoning (${reasoning}) or audio (${outputAudio}) tokens exceed outputTokens (${outputTokens})`;
  }
  return undefined;
}

function isCount(value: number): boolean {
  return typeof value === 'number' && value >= 0 && value !== Infinity;
}

/** Our usage in the data's words: the same totals and parts, snake_case. */
export function toPriceDataUsage(usage: Usage): PriceDataUsage {
  const out: PriceDataUsage = {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
  };
  if (usage.cacheReadTokens) out.cache_read_tokens = usage.cacheReadTokens;
  if (usage.cacheWriteTokens) out.cache_write_tokens = usage.cacheWriteTokens;
  if (usage.cacheWrite1hTokens) out.cache_write_1h_tokens = usage.cacheWrite1hTokens;
  if (usage.reasoningTokens) out.output_reasoning_tokens = usage.reasoningTokens;
  if (usage.inputAudioTokens) out.input_audio_tokens = usage.inputAudioTokens;
  if (usage.outputAudioTokens) out.output_audio_tokens = usage.outputAudioTokens;
  return out;
}
