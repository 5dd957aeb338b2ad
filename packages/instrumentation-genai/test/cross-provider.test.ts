import assert from 'node:assert/strict';
import { calcPrice } from '@pydantic/genai-prices';
import { defaultPriceBook, type Usage } from '@elkhound/pricing';
import { messagesUsage } from '../src/providers/anthropic/messages';
import { converseUsage } from '../src/providers/bedrock/commands';
import { cohereUsage } from '../src/providers/cohere/operations';
import { geminiUsage } from '../src/providers/google/generate';
import { mistralUsage } from '../src/providers/mistral/chat';
import { chatUsage, responsesUsage } from '../src/providers/openai/shared';

// One logical usage — what the model read (of it, from its prompt cache) and wrote (of it,
// thinking) — as each provider reports it on the wire, in the SDK's own shape. Every provider's
// reading must come back to the same conventions' numbers, and the same cost as genai-prices
// computes directly from those numbers.
const LOGICAL = { input: 5000, cached: 2000, output: 700, reasoning: 300 };

interface Case {
  provider: string;
  priceProvider: string;
  model: string;
  usage: Usage | undefined;
  /** Providers that report no cache or reasoning split give the totals only. */
  splits: { cached: boolean; reasoning: boolean };
}

const CASES: Case[] = [
  {
    provider: 'openai (chat completions)',
    priceProvider: 'openai',
    model: 'gpt-4o-mini',
    usage: chatUsage({
      prompt_tokens: 5000,
      completion_tokens: 700,
      prompt_tokens_details: { cached_tokens: 2000 },
      completion_tokens_details: { reasoning_tokens: 300 },
    }),
    splits: { cached: true, reasoning: true },
  },
  {
    provider: 'openai (responses)',
    priceProvider: 'openai',
    model: 'gpt-4o-mini',
    usage: responsesUsage({
      input_tokens: 5000,
      output_tokens: 700,
      input_tokens_details: { cached_tokens: 2000 },
      output_tokens_details: { reasoning_tokens: 300 },
    }),
    splits: { cached: true, reasoning: true },
  },
  {
    // Anthropic counts cache reads apart from input_tokens; thinking is inside output_tokens.
    provider: 'anthropic',
    priceProvider: 'anthropic',
    model: 'claude-sonnet-4-20250514',
    usage: messagesUsage({ input_tokens: 3000, cache_read_input_tokens: 2000, output_tokens: 700 }),
    splits: { cached: true, reasoning: false },
  },
  {
    // Gemini's prompt count includes the cache; its candidates count excludes the thoughts.
    provider: 'gcp.gemini',
    priceProvider: 'google',
    model: 'gemini-2.5-flash',
    usage: geminiUsage({
      promptTokenCount: 5000,
      cachedContentTokenCount: 2000,
      candidatesTokenCount: 400,
      thoughtsTokenCount: 300,
    }),
    splits: { cached: true, reasoning: true },
  },
  {
    // Bedrock's Converse counts cache reads apart from inputTokens, as Anthropic does.
    provider: 'aws.bedrock',
    priceProvider: 'aws',
    model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    usage: converseUsage({ inputTokens: 3000, cacheReadInputTokens: 2000, outputTokens: 700 }),
    splits: { cached: true, reasoning: false },
  },
  {
    provider: 'mistral_ai',
    priceProvider: 'mistral',
    model: 'mistral-small-latest',
    usage: mistralUsage({ promptTokens: 5000, completionTokens: 700 }),
    splits: { cached: false, reasoning: false },
  },
  {
    provider: 'cohere',
    priceProvider: 'cohere',
    model: 'command-r-plus',
    usage: cohereUsage({ billedUnits: { inputTokens: 5000, outputTokens: 700 } }),
    splits: { cached: false, reasoning: false },
  },
];

describe('the same logical usage from every provider: the same gen_ai.usage numbers and the genai-prices cost', () => {
  const book = defaultPriceBook();
  for (const item of CASES) {
    it(`${item.provider}`, () => {
      const usage = item.usage as Usage;
      assert.equal(
        usage.inputTokens,
        LOGICAL.input,
        'gen_ai.usage.input_tokens includes the cache',
      );
      assert.equal(
        usage.outputTokens,
        LOGICAL.output,
        'gen_ai.usage.output_tokens includes the reasoning',
      );
      assert.equal(usage.cacheReadTokens, item.splits.cached ? LOGICAL.cached : undefined);
      assert.equal(usage.reasoningTokens, item.splits.reasoning ? LOGICAL.reasoning : undefined);
      const direct = calcPrice(
        {
          input_tokens: LOGICAL.input,
          output_tokens: LOGICAL.output,
          ...(item.splits.cached ? { cache_read_tokens: LOGICAL.cached } : {}),
          ...(item.splits.reasoning ? { output_reasoning_tokens: LOGICAL.reasoning } : {}),
        },
        item.model,
        { providerId: item.priceProvider },
      );
      assert.ok(direct, `genai-prices prices ${item.model}`);
      const cost = book.price({
        provider: item.provider.split(' ')[0] as string,
        requestModel: item.model,
        usage,
      });
      assert.ok(cost.priced, JSON.stringify(cost));
      assert.ok(
        Math.abs((cost as { total: number }).total - direct.total_price) < 1e-12,
        `${(cost as { total: number }).total} vs ${direct.total_price}`,
      );
    });
  }
});
