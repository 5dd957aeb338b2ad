import {
  calcPrice,
  findProvider,
  type ModelInfo,
  type Provider,
  type Usage as PriceDataUsage,
} from '@pydantic/genai-prices';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findOverride, loadOverrides, type OverridePrice, type Overrides } from './overrides';
import { priceDataProvider } from './providers';
import type { Cost, PriceQuery, Usage } from './types';

// The version of the bundled price data: the package's own. Its `exports` hide package.json, so
// it is read from beside the resolved entry point. Prices are never fetched.
const DATA_VERSION = `@pydantic/genai-prices@${priceDataVersion()}`;

function priceDataVersion(): string {
  try {
    const entry = require.resolve('@pydantic/genai-prices');
    const manifest = join(dirname(entry), '..', 'package.json');
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The flat per-million-token prices the fast path prices itself; anything else goes to calcPrice. */
interface FlatPrices {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

interface Match {
  provider: Provider;
  model: ModelInfo;
  /** Set when the model's prices are flat numbers (no tiers, no time constraints). */
  flat?: FlatPrices;
}

const MAX_MEMOISED = 2048;

/**
 * Prices calls from the bundled @pydantic/genai-prices data plus user overrides. The data's own
 * `calcPrice` scans every model of a provider (tens of microseconds a call), so the match of a
 * (provider, model) is memoised, and models with flat prices are priced here with the same
 * arithmetic — a test checks both paths agree for every bundled model. Unknown models are
 * memoised too, and never priced as 0.
 */
export class PriceBook {
  readonly version: string;
  private readonly matches = new Map<string, Match | null>();
  private readonly providers = new Map<string, Provider | null>();

  private constructor(private readonly overrides: Overrides | undefined) {
    this.version = overrides ? `${DATA_VERSION}+${overrides.version}` : DATA_VERSION;
  }

  /** Throws PricingConfigError naming the bad entry of the overrides file. */
  static load(options: { overridesFile?: string } = {}): PriceBook {
    const file = options.overridesFile ?? process.env.ELKHOUND_PRICING_FILE;
    return new PriceBook(file ? loadOverrides(file) : undefined);
  }

  price(query: PriceQuery): Cost {
    const models = [query.responseModel, query.requestModel].filter(
      (model): model is string => !!model,
    );
    if (models.length === 0)
      return { priced: false, pricingVersion: this.version, reason: 'no model' };
    for (const model of models) {
      const override = findOverride(this.overrides, query.provider, model);
      if (override) return this.fromOverride(override, query, model);
    }
    for (const model of models) {
      const match = this.match(query.provider, model);
      if (match) return this.fromData(match, query);
    }
    return {
      priced: false,
      pricingVersion: this.version,
      reason: `no price for ${models.join(' or ')} at provider ${query.provider}`,
    };
  }

  private match(provider: string, model: string): Match | null {
    const key = `${provider}\0${model}`;
    const known = this.matches.get(key);
    if (known !== undefined) return known;
    const dataProvider = this.provider(provider);
    let match: Match | null = null;
    if (dataProvider) {
      const probe = calcPrice({ input_tokens: 1, output_tokens: 1 }, model, {
        provider: dataProvider,
      });
      if (probe) {
        match = { provider: { ...dataProvider, models: [probe.model] }, model: probe.model };
        const flat = flatPrices(probe.model);
        if (flat) match.flat = flat;
      }
    }
    if (this.matches.size < MAX_MEMOISED) this.matches.set(key, match);
    return match;
  }

  private provider(provider: string): Provider | null {
    let found = this.providers.get(provider);
    if (found === undefined) {
      found = findProvider({ providerId: priceDataProvider(provider) }) ?? null;
      this.providers.set(provider, found);
    }
    return found;
  }

  private fromData(match: Match, query: PriceQuery): Cost {
    const usage = query.usage;
    const flat = match.flat;
    if (flat && !usage.cacheWrite1hTokens) {
      const cacheRead = usage.cacheReadTokens ?? 0;
      const cacheWrite = usage.cacheWriteTokens ?? 0;
      const uncached = Math.max(0, usage.inputTokens - cacheRead - cacheWrite);
      const input =
        (uncached * flat.input + cacheRead * flat.cacheRead + cacheWrite * flat.cacheWrite) / 1e6;
      const output = (usage.outputTokens * flat.output) / 1e6;
      return this.priced(input, output, 'local', match.model.id, query.provider);
    }
    const result = calcPrice(toPriceDataUsage(usage), match.model.id, {
      provider: match.provider,
      ...(query.timestamp ? { timestamp: query.timestamp } : {}),
    });
    if (!result) {
      return {
        priced: false,
        pricingVersion: this.version,
        reason: `no price for ${match.model.id} at this time`,
      };
    }
    // total_price also holds per-request fees, which are neither input nor output.
    return this.priced(
      result.input_price,
      result.output_price,
      'local',
      match.model.id,
      query.provider,
      result.total_price,
    );
  }

  private fromOverride(price: OverridePrice, query: PriceQuery, model: string): Cost {
    const usage = query.usage;
    const cacheRead = usage.cacheReadTokens ?? 0;
    const cacheWrite = usage.cacheWriteTokens ?? 0;
    const uncached = Math.max(0, usage.inputTokens - cacheRead - cacheWrite);
    const input =
      (uncached * price.inputPerMTok +
        cacheRead * (price.cacheReadPerMTok ?? price.inputPerMTok) +
        cacheWrite * (price.cacheWritePerMTok ?? price.inputPerMTok)) /
      1e6;
    const output = (usage.outputTokens * price.outputPerMTok) / 1e6;
    return this.priced(input, output, 'override', model, query.provider);
  }

  private priced(
    input: number,
    output: number,
    source: 'local' | 'override',
    model: string,
    provider: string,
    total = input + output,
  ): Cost {
    return {
      priced: true,
      total,
      input,
      output,
      currency: 'USD',
      source,
      pricingVersion: this.version,
      model,
      provider,
    };
  }
}

export function toPriceDataUsage(usage: Usage): PriceDataUsage {
  const out: PriceDataUsage = {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
  };
  if (usage.cacheReadTokens) out.cache_read_tokens = usage.cacheReadTokens;
  if (usage.cacheWriteTokens) out.cache_write_tokens = usage.cacheWriteTokens;
  if (usage.cacheWrite1hTokens) out.cache_write_1h_tokens = usage.cacheWrite1hTokens;
  return out;
}

/** Price units the fast path prices itself. */
const FAST_UNITS = new Set(['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok']);
/** Units priced on usage Elkhound never reports to the price data (images, audio, searches…). */
const UNREPORTED_UNIT =
  /audio|image|video|document|citation|searches_kcount|messages_kcount|hours|output_reasoning_mtok|cache_write_1h_mtok/;

function flatPrices(model: ModelInfo): FlatPrices | undefined {
  const prices = model.prices;
  if (Array.isArray(prices)) return undefined; // prices that change over time: calcPrice decides
  // Any other unit (a per-request fee such as requests_kcount, one added to the data later)
  // leaves the pricing to calcPrice, which knows it.
  for (const key of Object.keys(prices)) {
    if (!FAST_UNITS.has(key) && !UNREPORTED_UNIT.test(key)) return undefined;
  }
  const number = (key: string) => {
    const value = prices[key];
    return typeof value === 'number' ? value : value === undefined ? undefined : Number.NaN;
  };
  const input = number('input_mtok');
  const output = number('output_mtok');
  if (input === undefined || output === undefined || Number.isNaN(input) || Number.isNaN(output))
    return undefined;
  const cacheRead = number('cache_read_mtok') ?? input;
  const cacheWrite = number('cache_write_mtok') ?? input;
  if (Number.isNaN(cacheRead) || Number.isNaN(cacheWrite)) return undefined;
  return { input, output, cacheRead, cacheWrite };
}

let defaultBook: PriceBook | undefined;

/** The PriceBook of this process: bundled data plus ELKHOUND_PRICING_FILE, loaded on first use. */
export function defaultPriceBook(): PriceBook {
  defaultBook ??= PriceBook.load();
  return defaultBook;
}
