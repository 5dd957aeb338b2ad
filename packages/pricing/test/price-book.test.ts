import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { PRICE_DATA_PROVIDERS, PriceBook, PricingConfigError, type Cost } from '../src';
import { toPriceDataUsage } from '../src/price-book';

const close = (actual: number, expected: number) =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 + Math.abs(expected) * 1e-9,
    `${actual} != ${expected}`,
  );

function priced(cost: Cost): Extract<Cost, { priced: true }> {
  assert.equal(cost.priced, true, JSON.stringify(cost));
  return cost as Extract<Cost, { priced: true }>;
}

describe('PriceBook over the bundled @pydantic/genai-prices data', () => {
  const book = PriceBook.load({ overridesFile: '' });

  it('prices gpt-4o-mini by hand: 0.15 $/Mtok input, 0.075 cached, 0.60 output', () => {
    const cost = priced(
      book.price({
        provider: 'openai',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 200 },
      }),
    );
    close(cost.input, (800 * 0.15 + 200 * 0.075) / 1e6);
    close(cost.output, (100 * 0.6) / 1e6);
    close(cost.total, cost.input + cost.output);
    assert.equal(cost.source, 'local');
    assert.equal(cost.currency, 'USD');
    assert.match(cost.pricingVersion, /^@pydantic\/genai-prices@\d+\.\d+\.\d+$/);
  });

  it('prices Anthropic cache reads and writes (claude-sonnet-4: 3 in, 0.30 read, 3.75 write, 15 out)', () => {
    const cost = priced(
      book.price({
        provider: 'anthropic',
        requestModel: 'claude-sonnet-4-20250514',
        usage: { inputTokens: 4740, cacheWriteTokens: 4735, cacheReadTokens: 0, outputTokens: 255 },
      }),
    );
    close(cost.total, (5 * 3 + 4735 * 3.75 + 255 * 15) / 1e6);
  });

  it('prices a regional Bedrock model id', () => {
    const cost = priced(
      book.price({
        provider: 'aws.bedrock',
        requestModel: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
        usage: { inputTokens: 1000, outputTokens: 100 },
      }),
    );
    close(cost.total, (1000 * 3 + 100 * 15) / 1e6);
  });

  it('applies the long-context tier and the 1-hour cache write price as the data defines them', () => {
    const usage = {
      inputTokens: 250_000,
      outputTokens: 1000,
      cacheWriteTokens: 10_000,
      cacheWrite1hTokens: 10_000,
    };
    const cost = priced(
      book.price({ provider: 'anthropic', requestModel: 'claude-sonnet-4-5', usage }),
    );
    const direct = calcPrice(toPriceDataUsage(usage), 'claude-sonnet-4-5', {
      providerId: 'anthropic',
    });
    assert.ok(direct);
    close(cost.total, direct.total_price);
    const small = priced(
      book.price({
        provider: 'anthropic',
        requestModel: 'claude-sonnet-4-5',
        usage: { inputTokens: 1000, outputTokens: 1000 },
      }),
    );
    assert.ok(cost.input / 250_000 > small.input / 1000, 'tokens above 200k cost more per token');
  });

  it('prefers the response model and falls back to the request model', () => {
    const cost = priced(
      book.price({
        provider: 'openai',
        requestModel: 'gpt-4o',
        responseModel: 'no-such-snapshot',
        usage: { inputTokens: 1e6, outputTokens: 0 },
      }),
    );
    assert.equal(cost.model, 'gpt-4o');
  });

  it('never prices an unknown model as 0', () => {
    const cost = book.price({
      provider: 'openai',
      requestModel: 'my-finetune-xyz',
      usage: { inputTokens: 10, outputTokens: 10 },
    });
    assert.equal(cost.priced, false);
    assert.ok(!('total' in cost));
    assert.match((cost as { reason: string }).reason, /my-finetune-xyz/);
  });

  it('agrees with calcPrice for every bundled model of every mapped provider (fast path included)', () => {
    const usages = [
      { inputTokens: 1234, outputTokens: 567 },
      { inputTokens: 5000, outputTokens: 300, cacheReadTokens: 4000 },
      { inputTokens: 9000, outputTokens: 10, cacheReadTokens: 1000, cacheWriteTokens: 2000 },
    ];
    let compared = 0;
    for (const [genAiProvider, dataProvider] of Object.entries(PRICE_DATA_PROVIDERS)) {
      if (dataProvider === 'openrouter') continue; // 700 models: the matching is the same code
      const provider = findProvider({ providerId: dataProvider });
      for (const model of provider?.models ?? []) {
        for (const usage of usages) {
          const direct = calcPrice(toPriceDataUsage(usage), model.id, { providerId: dataProvider });
          const cost = book.price({ provider: genAiProvider, requestModel: model.id, usage });
          if (!direct) {
            assert.equal(cost.priced, false, `${dataProvider}/${model.id}`);
            continue;
          }
          close(priced(cost).total, direct.total_price);
          compared++;
        }
      }
    }
    assert.ok(compared > 500, `compared ${compared} prices`);
  });

  it('prices at the call time for prices that change over time', () => {
    const provider = findProvider({ providerId: 'anthropic' });
    const timed = provider?.models.find((model) => Array.isArray(model.prices));
    assert.ok(timed, 'the data has at least one time-dependent price');
    const usage = { inputTokens: 10_000, outputTokens: 1000 };
    for (const timestamp of [new Date('2025-01-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z')]) {
      const direct = calcPrice(toPriceDataUsage(usage), timed.id, {
        providerId: 'anthropic',
        timestamp,
      });
      const cost = book.price({ provider: 'anthropic', requestModel: timed.id, usage, timestamp });
      if (direct) close(priced(cost).total, direct.total_price);
      else assert.equal(cost.priced, false);
    }
  });

  it('uses no network', () => {
    const originals = { fetch: globalThis.fetch, http: http.request, https: https.request };
    const refuse = () => {
      throw new Error('network used');
    };
    globalThis.fetch = refuse as typeof fetch;
    http.request = refuse as typeof http.request;
    https.request = refuse as typeof https.request;
    try {
      const fresh = PriceBook.load({ overridesFile: '' });
      priced(
        fresh.price({
          provider: 'gcp.gemini',
          requestModel: 'gemini-2.0-flash',
          usage: { inputTokens: 10, outputTokens: 10 },
        }),
      );
    } finally {
      globalThis.fetch = originals.fetch;
      http.request = originals.http;
      https.request = originals.https;
    }
  });
});

describe('ELKHOUND_PRICING_FILE overrides', () => {
  const directory = mkdtempSync(join(tmpdir(), 'elkhound-pricing-'));
  const file = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };

  it('adds and overrides prices from YAML, with source `override` and its version', () => {
    const book = PriceBook.load({
      overridesFile: file(
        'gateway.yaml',
        `version: gw-2026-11
models:
  - provider: openai
    model: gpt-4o-mini
    input_per_mtok: 1
    output_per_mtok: 2
    cache_read_per_mtok: 0.5
  - match: { prefix: "internal-" }
    input_per_mtok: 0.1
    output_per_mtok: 0.2
`,
      ),
    });
    const cost = priced(
      book.price({
        provider: 'openai',
        requestModel: 'gpt-4o-mini',
        usage: { inputTokens: 1000, outputTokens: 1000, cacheReadTokens: 1000 },
      }),
    );
    close(cost.total, (1000 * 0.5 + 1000 * 2) / 1e6);
    assert.equal(cost.source, 'override');
    assert.match(cost.pricingVersion, /\+gw-2026-11$/);
    close(
      priced(
        book.price({
          provider: 'vllm',
          requestModel: 'internal-llama',
          usage: { inputTokens: 1e6, outputTokens: 1e6 },
        }),
      ).total,
      0.3,
    );
    assert.equal(
      priced(
        book.price({
          provider: 'anthropic',
          requestModel: 'claude-sonnet-4-0',
          usage: { inputTokens: 1, outputTokens: 1 },
        }),
      ).source,
      'local',
    );
  });

  it('reads JSON too', () => {
    const book = PriceBook.load({
      overridesFile: file(
        'p.json',
        JSON.stringify({ models: [{ model: 'm1', input_per_mtok: 1, output_per_mtok: 1 }] }),
      ),
    });
    close(
      priced(
        book.price({
          provider: 'x',
          requestModel: 'm1',
          usage: { inputTokens: 1e6, outputTokens: 0 },
        }),
      ).total,
      1,
    );
    assert.match(book.version, /\+overrides:[0-9a-f]{8}$/);
  });

  it('names the file, the entry, the key, the value and what was expected', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'a.yaml',
        'models:\n  - model: ok\n    input_per_mtok: 1\n    output_per_mtok: 1\n  - model: gpt-x\n    input_per_mtok: abc\n    output_per_mtok: 1\n',
        /a\.yaml: models\[1\] \(gpt-x\): input_per_mtok must be a non-negative number \(USD per million tokens\), got "abc"/,
      ],
      ['b.yaml', 'models: 3\n', /b\.yaml: models: expected a list, got 3/],
      [
        'c.yaml',
        'models:\n  - input_per_mtok: 1\n    output_per_mtok: 1\n',
        /c\.yaml: models\[0\] \(null\): expected `model`/,
      ],
      ['d.json', '{ not json', /d\.json: not valid JSON/],
      [
        'e.yaml',
        'models:\n  - model: m\n    input_per_mtok: -1\n    output_per_mtok: 1\n',
        /got -1/,
      ],
      [
        'f.yaml',
        'models:\n  - match: { regex: "(" }\n    input_per_mtok: 1\n    output_per_mtok: 1\n',
        /match\.regex is not a regular expression/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      assert.throws(
        () => PriceBook.load({ overridesFile: file(name, text) }),
        (error: unknown) => {
          assert.ok(error instanceof PricingConfigError);
          assert.match(error.message, /^ELKHOUND_PRICING_FILE /);
          assert.match(error.message, expected);
          return true;
        },
      );
    }
    assert.throws(
      () => PriceBook.load({ overridesFile: join(directory, 'missing.yaml') }),
      /cannot read it/,
    );
  });

  it('loads the pricing-overrides example', () => {
    const book = PriceBook.load({
      overridesFile: join(
        __dirname,
        '..',
        '..',
        '..',
        'examples',
        'pricing-overrides',
        'prices.yaml',
      ),
    });
    assert.equal(
      priced(
        book.price({
          provider: 'openai',
          requestModel: 'gpt-4o-mini',
          usage: { inputTokens: 1e6, outputTokens: 0 },
        }),
      ).source,
      'override',
    );
  });
});
