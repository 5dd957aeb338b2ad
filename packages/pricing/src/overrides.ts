import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PricingConfigError } from './types';

/** One user price: USD per million tokens. */
export interface OverridePrice {
  /** `gen_ai.provider.name` it applies to; any provider when absent. */
  provider?: string;
  /** Exactly one of model / prefix / regex; model and prefix compared in lower case. */
  model?: string;
  prefix?: string;
  regex?: RegExp;
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok?: number;
  cacheWritePerMTok?: number;
  cacheWrite1hPerMTok?: number;
}

export interface Overrides {
  /** The file's `version`, or `overrides:<first 8 hex of its sha256>`. */
  version: string;
  prices: OverridePrice[];
}

const ROOT_KEYS = ['version', 'models'];
const PRICE_KEYS = {
  input_per_mtok: 'inputPerMTok',
  output_per_mtok: 'outputPerMTok',
  cache_read_per_mtok: 'cacheReadPerMTok',
  cache_write_per_mtok: 'cacheWritePerMTok',
  cache_write_1h_per_mtok: 'cacheWrite1hPerMTok',
} as const;
const REQUIRED_PRICES = new Set(['input_per_mtok', 'output_per_mtok']);
const ENTRY_KEYS = ['provider', 'model', 'match', ...Object.keys(PRICE_KEYS)];

/**
 * Reads `ELKHOUND_PRICING_FILE` (JSON when the name ends in `.json`, YAML otherwise), the schema
 * of docs/pricing.md:
 *
 * ```yaml
 * version: my-gateway-2026-11          # optional
 * models:
 *   - provider: openai                 # optional: any provider when absent
 *     model: gpt-4o-mini               # or match: { prefix: "gpt-4o" } / match: { regex: "^gpt-4o" }
 *     input_per_mtok: 0.15
 *     output_per_mtok: 0.60
 *     cache_read_per_mtok: 0.075       # optional (default: the input price)
 *     cache_write_per_mtok: 0.1875     # optional (default: the input price)
 *     cache_write_1h_per_mtok: 0.30    # optional (default: the cache write price)
 * ```
 *
 * Every mistake is refused with a PricingConfigError naming the file, the entry, the key, the
 * value and what was expected: a typo in a price key must not silently price at the default.
 */
export function loadOverrides(file: string): Overrides {
  const fail = (where: string, message: string) =>
    new PricingConfigError(`ELKHOUND_PRICING_FILE ${file}: ${where}${message}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw fail('', `cannot read it: ${(error as Error).message}`);
  }
  const json = file.toLowerCase().endsWith('.json');
  let data: unknown;
  try {
    data = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw fail('', `not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  if (!isObject(data)) {
    throw fail('', `expected an object with a \`models\` list, got ${describe(data)}`);
  }
  const unknownRoot = Object.keys(data).find((key) => !ROOT_KEYS.includes(key));
  if (unknownRoot !== undefined) {
    throw fail('', `unknown key \`${unknownRoot}\`, expected ${ROOT_KEYS.join(' or ')}`);
  }
  if (!Array.isArray(data.models)) {
    throw fail('models: ', `expected a list, got ${describe(data.models)}`);
  }
  if (data.version !== undefined && (typeof data.version !== 'string' || !data.version.trim())) {
    throw fail('version: ', `expected a non-empty string, got ${describe(data.version)}`);
  }
  const prices = data.models.map((entry: unknown, index: number) =>
    readEntry(entry, `models[${index}]`, fail),
  );
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return {
    version: typeof data.version === 'string' ? data.version.trim() : `overrides:${digest}`,
    prices,
  };
}

function readEntry(
  entry: unknown,
  at: string,
  fail: (where: string, message: string) => PricingConfigError,
): OverridePrice {
  if (!isObject(entry)) throw fail(`${at}: `, `expected an object, got ${describe(entry)}`);
  const label =
    typeof entry.model === 'string'
      ? entry.model
      : isObject(entry.match)
        ? Object.entries(entry.match)
            .map(([kind, value]) => `${kind} ${String(value)}`)
            .join(', ')
        : 'no model';
  const where = `${at} (${label}): `;
  const unknown = Object.keys(entry).find((key) => !ENTRY_KEYS.includes(key));
  if (unknown !== undefined) {
    throw fail(where, `unknown key \`${unknown}\`, expected one of ${ENTRY_KEYS.join(', ')}`);
  }
  const price: Partial<OverridePrice> = {};
  for (const [key, name] of Object.entries(PRICE_KEYS)) {
    const value = entry[key];
    if (value === undefined && !REQUIRED_PRICES.has(key)) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw fail(
        where,
        `${key} must be a non-negative number (USD per million tokens), got ${describe(value)}`,
      );
    }
    price[name] = value;
  }
  if (entry.provider !== undefined) {
    if (typeof entry.provider !== 'string' || !entry.provider) {
      throw fail(
        where,
        `provider must be a non-empty string (a gen_ai.provider.name), got ${describe(entry.provider)}`,
      );
    }
    price.provider = entry.provider;
  }
  if (entry.model !== undefined && entry.match !== undefined) {
    throw fail(where, 'expected `model` or `match`, not both');
  }
  if (entry.model !== undefined) {
    if (typeof entry.model !== 'string' || !entry.model) {
      throw fail(where, `model must be a non-empty string, got ${describe(entry.model)}`);
    }
    price.model = entry.model.toLowerCase();
  } else if (entry.match !== undefined) {
    const match = entry.match;
    const kinds = isObject(match) ? Object.keys(match) : [];
    const kind = kinds[0];
    if (!isObject(match) || kinds.length !== 1 || (kind !== 'prefix' && kind !== 'regex')) {
      throw fail(
        where,
        `match must be { prefix: <text> } or { regex: <pattern> }, got ${describe(match)}`,
      );
    }
    const pattern = match[kind];
    if (typeof pattern !== 'string' || !pattern) {
      throw fail(where, `match.${kind} must be a non-empty string, got ${describe(pattern)}`);
    }
    if (kind === 'prefix') price.prefix = pattern.toLowerCase();
    else {
      try {
        price.regex = new RegExp(pattern);
      } catch (error) {
        throw fail(where, `match.regex is not a regular expression: ${(error as Error).message}`);
      }
    }
  } else {
    throw fail(where, 'expected `model` (a model id) or `match: { prefix }` / `match: { regex }`');
  }
  return price as OverridePrice;
}

/** The first entry that matches; memoised by the caller. */
export function findOverride(
  overrides: Overrides | undefined,
  provider: string,
  model: string,
): OverridePrice | undefined {
  if (!overrides) return undefined;
  const lowerModel = model.toLowerCase();
  for (const price of overrides.prices) {
    if (price.provider !== undefined && price.provider !== provider) continue;
    if (price.model === lowerModel) return price;
    if (price.prefix !== undefined && lowerModel.startsWith(price.prefix)) return price;
    if (price.regex?.test(model)) return price;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return JSON.stringify(value);
}
