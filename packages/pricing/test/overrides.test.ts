import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PriceBook, PricingConfigError, defaultPriceBook } from '../src';
import { close, priced } from './helpers';

const M = 1e6;

describe('ELKHOUND_PRICING_FILE overrides', () => {
  const directory = mkdtempSync(join(tmpdir(), 'elkhound-pricing-'));
  const file = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };
  const gateway = `version: gw-2026-11
models:
  - provider: openai
    model: GPT-4o-mini
    input_per_mtok: 1
    output_per_mtok: 2
    cache_read_per_mtok: 0.5
  - provider: anthropic
    model: claude-sonnet-4-0
    input_per_mtok: 2
    output_per_mtok: 10
    cache_read_per_mtok: 0.2
    cache_write_per_mtok: 2.5
    cache_write_1h_per_mtok: 4
  - match: { prefix: "internal-" }
    input_per_mtok: 0.1
    output_per_mtok: 0.2
  - match: { regex: "^acme-(small|large)$" }
    input_per_mtok: 0.3
    output_per_mtok: 0.4
`;

  it('overrides bundled prices from YAML, with source `override` and the file version', () => {
    const book = PriceBook.load({ overridesFile: file('gateway.yaml', gateway) });
    assert.equal(book.version, '@pydantic/genai-prices@0.1.8+gw-2026-11');
    const cost = priced(
      book.price({
        provider: 'openai',
        requestModel: 'gpt-4o-mini',
        usage: { inputTokens: 3000, outputTokens: 1000, cacheReadTokens: 1000 },
      }),
    );
    // 2000 uncached at 1, 1000 cached at 0.5, 1000 output at 2 (model ids compared in lower case).
    close(cost.input, (2000 * 1 + 1000 * 0.5) / M);
    close(cost.output, (1000 * 2) / M);
    assert.equal(cost.source, 'override');
    assert.equal(cost.model, 'gpt-4o-mini');
    assert.equal(cost.pricingVersion, book.version);
  });

  it('prices cache writes of both durations with the override prices', () => {
    const book = PriceBook.load({ overridesFile: file('gateway.yaml', gateway) });
    const cost = priced(
      book.price({
        provider: 'anthropic',
        requestModel: 'claude-sonnet-4-0',
        usage: {
          inputTokens: 10_000,
          cacheReadTokens: 1000,
          cacheWriteTokens: 5000,
          cacheWrite1hTokens: 2000,
          outputTokens: 100,
        },
      }),
    );
    // 4000 uncached at 2, 1000 read at 0.2, 3000 5-minute writes at 2.5, 2000 1-hour at 4.
    close(cost.input, (4000 * 2 + 1000 * 0.2 + 3000 * 2.5 + 2000 * 4) / M);
    close(cost.output, (100 * 10) / M);
  });

  it('adds models by prefix and regex, for any provider, and leaves the rest to the data', () => {
    const book = PriceBook.load({ overridesFile: file('gateway.yaml', gateway) });
    const usage = { inputTokens: 1e6, outputTokens: 1e6 };
    close(
      priced(book.price({ provider: 'vllm', requestModel: 'internal-llama', usage })).total,
      0.3,
    );
    close(priced(book.price({ provider: 'openai', requestModel: 'acme-large', usage })).total, 0.7);
    assert.equal(
      book.price({ provider: 'openai', requestModel: 'acme-medium', usage }).priced,
      false,
    );
    // An entry bound to openai does not apply to another provider: azure gets the data's price.
    const azure = priced(
      book.price({ provider: 'azure.ai.openai', requestModel: 'gpt-4o-mini', usage }),
    );
    assert.equal(azure.source, 'local');
    close(azure.total, 0.15 + 0.6);
    assert.equal(
      priced(book.price({ provider: 'anthropic', requestModel: 'claude-3-5-haiku-latest', usage }))
        .source,
      'local',
    );
  });

  it('lets an override of the request model win over the data price of the response model', () => {
    const book = PriceBook.load({ overridesFile: file('gateway.yaml', gateway) });
    const cost = priced(
      book.price({
        provider: 'openai',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        usage: { inputTokens: 1e6, outputTokens: 0 },
      }),
    );
    assert.equal(cost.source, 'override');
    close(cost.total, 1);
  });

  it('reads JSON, versioned by the digest of the file when it has no version', () => {
    const book = PriceBook.load({
      overridesFile: file(
        'p.json',
        JSON.stringify({ models: [{ model: 'm1', input_per_mtok: 1, output_per_mtok: 3 }] }),
      ),
    });
    const cost = priced(
      book.price({
        provider: 'x',
        requestModel: 'm1',
        usage: { inputTokens: 1e6, outputTokens: 1e6 },
      }),
    );
    close(cost.total, 4);
    assert.match(book.version, /^@pydantic\/genai-prices@0\.1\.8\+overrides:[0-9a-f]{8}$/);
  });

  it('reads ELKHOUND_PRICING_FILE when no file is given', () => {
    const saved = process.env.ELKHOUND_PRICING_FILE;
    process.env.ELKHOUND_PRICING_FILE = file('env.yaml', gateway);
    try {
      assert.match(PriceBook.load().version, /\+gw-2026-11$/);
    } finally {
      if (saved === undefined) delete process.env.ELKHOUND_PRICING_FILE;
      else process.env.ELKHOUND_PRICING_FILE = saved;
    }
  });

  it('gives one default PriceBook per process', () => {
    assert.equal(defaultPriceBook(), defaultPriceBook());
  });

  it('names the file, the entry, the key, the value and what was expected', () => {
    const entry = (body: string) =>
      `models:\n  - model: ok\n    input_per_mtok: 1\n    output_per_mtok: 1\n  - ${body}\n`;
    const cases: Array<[string, string, string]> = [
      [
        'a.yaml',
        entry('model: gpt-x\n    input_per_mtok: abc\n    output_per_mtok: 1'),
        'models[1] (gpt-x): input_per_mtok must be a non-negative number (USD per million tokens), got "abc"',
      ],
      [
        'b.yaml',
        entry('model: gpt-x\n    input_per_mtok: -1\n    output_per_mtok: 1'),
        'models[1] (gpt-x): input_per_mtok must be a non-negative number (USD per million tokens), got -1',
      ],
      [
        'c.yaml',
        entry('model: gpt-x\n    input_per_mtok: 1'),
        'models[1] (gpt-x): output_per_mtok must be a non-negative number (USD per million tokens), got nothing',
      ],
      [
        'd.yaml',
        entry(
          'model: gpt-x\n    input_per_mtok: 1\n    output_per_mtok: 1\n    cache_read_per_mtok: [1]',
        ),
        'models[1] (gpt-x): cache_read_per_mtok must be a non-negative number (USD per million tokens), got a list',
      ],
      [
        'e.yaml',
        entry(
          'model: gpt-x\n    input_per_mtok: 1\n    output_per_mtok: 1\n    input_per_mtoken: 2',
        ),
        'models[1] (gpt-x): unknown key `input_per_mtoken`, expected one of provider, model, match, input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok, cache_write_1h_per_mtok',
      ],
      [
        'f.yaml',
        entry('input_per_mtok: 1\n    output_per_mtok: 1'),
        'models[1] (no model): expected `model` (a model id) or `match: { prefix }` / `match: { regex }`',
      ],
      [
        'g.yaml',
        entry(
          'model: gpt-x\n    match: { prefix: gpt }\n    input_per_mtok: 1\n    output_per_mtok: 1',
        ),
        'models[1] (gpt-x): expected `model` or `match`, not both',
      ],
      [
        'h.yaml',
        entry('match: { contains: gpt }\n    input_per_mtok: 1\n    output_per_mtok: 1'),
        'models[1] (contains gpt): match must be { prefix: <text> } or { regex: <pattern> }, got {"contains":"gpt"}',
      ],
      [
        'i.yaml',
        entry('match: { regex: "(" }\n    input_per_mtok: 1\n    output_per_mtok: 1'),
        'models[1] (regex (): match.regex is not a regular expression: Invalid regular expression: /(/: Unterminated group',
      ],
      [
        'j.yaml',
        entry('match: { prefix: 3 }\n    input_per_mtok: 1\n    output_per_mtok: 1'),
        'models[1] (prefix 3): match.prefix must be a non-empty string, got 3',
      ],
      [
        'k.yaml',
        entry('model: 42\n    input_per_mtok: 1\n    output_per_mtok: 1'),
        'models[1] (no model): model must be a non-empty string, got 42',
      ],
      [
        'l.yaml',
        entry('provider: ""\n    model: gpt-x\n    input_per_mtok: 1\n    output_per_mtok: 1'),
        'models[1] (gpt-x): provider must be a non-empty string (a gen_ai.provider.name), got ""',
      ],
      [
        'm.yaml',
        'models:\n  - just a string\n',
        'models[0]: expected an object, got "just a string"',
      ],
      ['n.yaml', 'models: 3\n', 'models: expected a list, got 3'],
      ['o.yaml', 'version: 7\nmodels: []\n', 'version: expected a non-empty string, got 7'],
      ['p.yaml', 'modles: []\n', 'unknown key `modles`, expected version or models'],
      ['q.yaml', '', 'expected an object with a `models` list, got null'],
      ['r.yaml', '- a\n- b\n', 'expected an object with a `models` list, got a list'],
    ];
    for (const [name, text, message] of cases) {
      const path = file(name, text);
      assert.throws(
        () => PriceBook.load({ overridesFile: path }),
        (error: unknown) => {
          assert.ok(error instanceof PricingConfigError);
          assert.equal(error.name, 'PricingConfigError');
          assert.equal(error.message, `ELKHOUND_PRICING_FILE ${path}: ${message}`);
          return true;
        },
      );
    }
  });

  it('names the file when it cannot be read or parsed', () => {
    const missing = join(directory, 'missing.yaml');
    assert.throws(
      () => PriceBook.load({ overridesFile: missing }),
      new RegExp(`^PricingConfigError: ELKHOUND_PRICING_FILE ${missing}: cannot read it: ENOENT`),
    );
    const badJson = file('bad.json', '{ not json');
    assert.throws(
      () => PriceBook.load({ overridesFile: badJson }),
      (error: unknown) =>
        error instanceof PricingConfigError &&
        error.message.startsWith(`ELKHOUND_PRICING_FILE ${badJson}: not valid JSON: `),
    );
    const badYaml = file('bad.yaml', 'models:\n  - model: a\n   input_per_mtok: [\n');
    assert.throws(
      () => PriceBook.load({ overridesFile: badYaml }),
      (error: unknown) =>
        error instanceof PricingConfigError &&
        error.message.startsWith(`ELKHOUND_PRICING_FILE ${badYaml}: not valid YAML: `),
    );
    const duplicate = file('duplicate.yaml', 'models: []\nmodels: []\n');
    assert.throws(
      () => PriceBook.load({ overridesFile: duplicate }),
      /not valid YAML: .*[Mm]ap keys must be unique/,
    );
  });

  it('loads the pricing-overrides example and prices each kind of entry in it', () => {
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
    assert.match(book.version, /\+example-gateway-2026-11$/);
    const million = { inputTokens: 1e6, outputTokens: 1e6 };
    const openai = priced(
      book.price({ provider: 'openai', requestModel: 'gpt-4o-mini', usage: million }),
    );
    assert.equal(openai.source, 'override');
    close(openai.total, 0.18 + 0.72);
    // 1000 uncached at 3.3, 3000 5-minute writes at 4.125, 1000 1-hour writes at 6.6, 100 out at 16.5.
    const anthropic = priced(
      book.price({
        provider: 'anthropic',
        requestModel: 'claude-sonnet-4-5',
        usage: {
          inputTokens: 5000,
          cacheWriteTokens: 4000,
          cacheWrite1hTokens: 1000,
          outputTokens: 100,
        },
      }),
    );
    close(anthropic.total, (1000 * 3.3 + 3000 * 4.125 + 1000 * 6.6 + 100 * 16.5) / M);
    close(
      priced(book.price({ provider: 'vllm', requestModel: 'internal-qwen-72b', usage: million }))
        .total,
      0.15,
    );
    close(
      priced(
        book.price({
          provider: 'openai',
          requestModel: 'ft:gpt-4o-mini-2024-07-18:acme::abc123',
          usage: million,
        }),
      ).total,
      0.3 + 1.2,
    );
    // Not in the file: the bundled price (gpt-4o: 2.5 input, 10 output).
    const bundled = priced(
      book.price({ provider: 'openai', requestModel: 'gpt-4o', usage: million }),
    );
    assert.equal(bundled.source, 'local');
    close(bundled.total, 12.5);
  });
});
