// Cost of one `price()` call on the instrumentation's hot path: a memoised match plus
// arithmetic. `npm run bench -w @elkhound/pricing`.
import { calcPrice } from '@pydantic/genai-prices';
import { PriceBook } from '../src';

const book = PriceBook.load({ overridesFile: '' });
const query = {
  provider: 'openai',
  requestModel: 'gpt-4o-mini',
  responseModel: 'gpt-4o-mini-2024-07-18',
  usage: { inputTokens: 1240, outputTokens: 96, cacheReadTokens: 1024 },
};
function time(label: string, iterations: number, work: () => unknown): void {
  for (let index = 0; index < Math.min(iterations, 1000); index++) work();
  const start = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) work();
  const nanos = Number(process.hrtime.bigint() - start) / iterations;
  console.log(`| ${label} | ${nanos.toFixed(0)} ns |`);
}
console.log('\n## Pricing: one price() call\n| path | time per call |\n| --- | ---: |');
time('PriceBook.price, flat prices (gpt-4o-mini)', 1_000_000, () => book.price(query));
time('PriceBook.price, unknown model (memoised miss)', 1_000_000, () =>
  book.price({ ...query, requestModel: 'my-finetune', responseModel: 'my-finetune-1' }),
);
time('calcPrice of @pydantic/genai-prices, for comparison', 20_000, () =>
  calcPrice(
    { input_tokens: 1240, output_tokens: 96, cache_read_tokens: 1024 },
    'gpt-4o-mini-2024-07-18',
    { providerId: 'openai' },
  ),
);
