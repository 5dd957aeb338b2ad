import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { PricingConfigError } from './types';

/** One user price: USD per million tokens. */
export interface OverridePrice {
  provider?: string;
  model?: string;
  prefix?: string;
  regex?: RegExp;
  label: string;
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok?: number;
  cacheWritePerMTok?: number;
}

export interface Overrides {
  version: string;
  prices: OverridePrice[];
}

/**
 * Reads `ELKHOUND_PRICING_FILE` (JSON or YAML):
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
 * ```
 */
export function loadOverrides(file: string): Overrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PricingConfigError(
      `ELKHOUND_PRICING_FILE ${file}: cannot read it: ${(error as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new PricingConfigError(
      `ELKHOUND_PRICING_FILE ${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  const fail = (where: string, message: string) =>
    new PricingConfigError(`ELKHOUND_PRICING_FILE ${file}: ${where}${message}`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw fail('', 'expected an object with a `models` list');
  }
  const root = data as Record<string, unknown>;
  if (!Array.isArray(root.models))
    throw fail('models: ', `expected a list, got ${describe(root.models)}`);
  if (root.version !== undefined && typeof root.version !== 'string') {
    throw fail('version: ', `expected a string, got ${describe(root.version)}`);
  }
  const prices = root.models.map((entry: unknown, index: number): OverridePrice => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw fail(`models[${index}]: `, `expected an object, got ${describe(entry)}`);
    }
    const item = entry as Record<string, unknown>;
    const match = item.match as Record<string, unknown> | undefined;
    const label = typeof item.model === 'string' ? item.model : JSON.stringify(match ?? null);
    const where = `models[${index}] (${label}): `;
    const price: OverridePrice = {
      label,
      inputPerMTok: price_(item, 'input_per_mtok', where, true) as number,
      outputPerMTok: price_(item, 'output_per_mtok', where, true) as number,
    };
    const cacheRead = price_(item, 'cache_read_per_mtok', where, false);
    const cacheWrite = price_(item, 'cache_write_per_mtok', where, false);
    if (cacheRead !== undefined) price.cacheReadPerMTok = cacheRead;
    if (cacheWrite !== undefined) price.cacheWritePerMTok = cacheWrite;
    if (item.provider !== undefined) {
      if (typeof item.provider !== 'string' || !item.provider)
        throw fail(where, `provider must be a non-empty string, got ${describe(item.provider)}`);
      price.provider = item.provider;
    }
    if (typeof item.model === 'string' && item.model) {
      price.model = item.model;
    } else if (match && typeof match === 'object' && typeof match.prefix === 'string') {
      price.prefix = match.prefix;
    } else if (match && typeof match === 'object' && typeof match.regex === 'string') {
      try {
        price.regex = new RegExp(match.regex);
      } catch (error) {
        throw fail(where, `match.regex is not a regular expression: ${(error as Error).message}`);
      }
    } else {
      throw fail(
        where,
        'expected `model` (a model id) or `match: { prefix }` / `match: { regex }`',
      );
    }
    return price;
  });
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return {
    version: typeof root.version === 'string' ? root.version : `overrides:${digest}`,
    prices,
  };

  function price_(
    item: Record<string, unknown>,
    key: string,
    where: string,
    required: boolean,
  ): number | undefined {
    const value = item[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw fail(
        where,
        `${key} must be a non-negative number (USD per million tokens), got ${describe(value)}`,
      );
    }
    return value;
  }
}

export function findOverride(
  overrides: Overrides | undefined,
  provider: string,
  model: string,
): OverridePrice | undefined {
  if (!overrides) return undefined;
  for (const price of overrides.prices) {
    if (price.provider !== undefined && price.provider !== provider) continue;
    if (
      price.model !== undefined
        ? price.model === model
        : price.prefix !== undefined
          ? model.startsWith(price.prefix)
          : price.regex?.test(model)
    ) {
      return price;
    }
  }
  return undefined;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
