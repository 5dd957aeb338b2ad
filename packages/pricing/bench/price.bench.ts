// Cost of one `price()` call on the instrumentation's hot path: a memoised match plus
// arithmetic. `npm run bench -w @elkhound/pricing`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import { PriceBook, type PriceQuery } from '../src';

const book = PriceBook.load({ overridesFile: '' });
const overridesFile = join(mkdtempSync(join(tmpdir(), 'elkhound-pricing-bench-')), 'prices.yaml');
writeFileSync(
  overridesFile,
  'models:\n  - provider: openai\n    model: gpt-4o-mini\n    input_per_mtok: 0.18\n    output_per_mtok: 0.72\n',
);
const withOverrides = PriceBook.load({ overridesFile });

const flat: PriceQuery = {
  provider: 'openai',
  requestModel: 'gpt-4o-mini',
  responseModel: 'gpt-4o-mini-2024-07-18',
  usage: { inputTokens: 1240, outputTokens: 96, cacheReadTokens: 1024 },
};
const tiered: PriceQuery = {
  provider: 'anthropic',
  requestModel: 'claude-sonnet-4-5',
  responseModel: 'claude-sonnet-4-5-20250929',
  usage: { inputTokens: 5000, outputTokens: 300, cacheReadTokens: 4000 },
};
const timed: PriceQuery = {
  provider: 'deepseek',
  requestModel: 'deepseek-chat',
  usage: { inputTokens: 5000, outputTokens: 300, cacheReadTokens: 4000 },
};
const unknown: PriceQuery = {
  ...flat,
  requestModel: 'my-finetune',
  responseModel: 'my-finetune-1',
};

let sink = 0;
function time(label: string, iterations: number, work: () => unknown): void {
  for (let index = 0; index < Math.min(iterations, 10_000); index++) work();
  const start = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) if (work()) sink++;
  const nanos = Number(process.hrtime.bigint() - start) / iterations;
  console.log(`| ${label} | ${nanos.toFixed(0)} ns |`);
}

console.log('\n## Pricing: one price() call\n| path | time per call |\n| --- | ---: |');
time('flat prices, memoised (gpt-4o-mini snapshot)', 2_000_000, () => book.price(flat));
time('flat prices through an overrides file (gpt-4o-mini)', 2_000_000, () =>
  withOverrides.price(flat),
);
time('prices by time of day, at the current time (deepseek-chat)', 2_000_000, () =>
  book.price(timed),
);
time('unknown model, memoised miss', 2_000_000, () => book.price(unknown));
time('long-context tiered prices (claude-sonnet-4-5)', 2_000_000, () => book.price(tiered));
time('calcPrice of @pydantic/genai-prices alone, gpt-4o-mini snapshot', 20_000, () =>
  calcPrice(
    { input_tokens: 1240, output_tokens: 96, cache_read_tokens: 1024 },
    'gpt-4o-mini-2024-07-18',
    { providerId: 'openai' },
  ),
);
if (sink === 0) console.log('(nothing priced)');
