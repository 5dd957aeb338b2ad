import assert from 'node:assert/strict';
import { foldUsage } from '../src/usage';

describe('usage folding (conventions: input includes cache, output includes reasoning)', () => {
  it('keeps counts that already include cache and reasoning (OpenAI)', () => {
    assert.deepEqual(
      foldUsage({
        input: 1240,
        inputIncludesCache: true,
        cacheRead: 1024,
        output: 96,
        reasoning: 64,
        outputIncludesReasoning: true,
      }),
      { inputTokens: 1240, outputTokens: 96, cacheReadTokens: 1024, reasoningTokens: 64 },
    );
  });

  it('adds cache reads and writes to an input count that excludes them (Anthropic)', () => {
    assert.deepEqual(
      foldUsage({
        input: 20,
        inputIncludesCache: false,
        cacheRead: 1000,
        cacheWrite: 300,
        cacheWrite1h: 100,
        output: 50,
        outputIncludesReasoning: true,
      }),
      {
        inputTokens: 1320,
        outputTokens: 50,
        cacheReadTokens: 1000,
        cacheWriteTokens: 300,
        cacheWrite1hTokens: 100,
      },
    );
  });

  it('adds reasoning reported apart from output, and needs an input count', () => {
    assert.deepEqual(
      foldUsage({
        input: 10,
        inputIncludesCache: true,
        output: 5,
        reasoning: 7,
        outputIncludesReasoning: false,
      }),
      { inputTokens: 10, outputTokens: 12, reasoningTokens: 7 },
    );
    assert.equal(
      foldUsage({ inputIncludesCache: true, output: 5, outputIncludesReasoning: true }),
      undefined,
    );
    assert.equal(
      foldUsage({ input: -1, inputIncludesCache: true, outputIncludesReasoning: true }),
      undefined,
    );
  });
});
