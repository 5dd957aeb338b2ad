import { calcPrice, findProvider, type ModelInfo, type Provider } from '@pydantic/genai-prices';
import {
  canPrice,
  compileModel,
  pricesAt,
  priceUsage,
  type CompiledModel,
} from './compiled-prices';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findOverride, loadOverrides, type OverridePrice, type Overrides } from './overrides';
import { priceDataProvider } from './providers';
import type { Cost, PriceQuery, UnpricedReason, Usage } from './types';
import { toPriceDataUsage, usageProblem } from './usage';

// The version of the bundled price data: the package's own. Its `exports` hide package.json, so
// it is read from beside the resolved entry point. Prices are never fetched: `updatePrices` (the
// package's only way to replace its data) is never called.
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

interface DataMatch {
  /** The provider reduced to the one matched model, so calcPrice does not scan the others. */
  provider: Provider;
  model: ModelInfo;
  /** The model's prices compiled for the fast path. */
  compiled: CompiledModel;
}

/** What one (provider, model) pair resolves to, memoised. */
interface Resolution {
  override: OverridePrice | undefined;
  data: DataMatch | undefined;
}

const NOTHING: Resolution = { override: undefined, data: undefined };

/** Pairs memoised per book; past this the memo starts again, so a flood of ids cannot grow it. */
const MAX_MEMOISED = 4096;

/**
 * Prices calls from the bundled @pydantic/genai-prices data plus user overrides. The data's own
 * `calcPrice` scans every model of a provider and re-validates its prices (about 10 µs a call),
 * so what a (provider, model) pair resolves to is memoised, and token prices — flat, tiered or
 * timed — are compiled once and priced here with the same arithmetic (compiled-prices.ts; a test
 * checks both agree for every bundled model). Unknown models are memoised too, and never priced
 * as 0. `price()` never throws.
 */
export class PriceBook {
  readonly version: string;
  private readonly resolutions = new Map<string, Map<string, Resolution>>();
  private memoised = 0;
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
    try {
      return this.priceOrThrow(query);
    } catch (error) {
      // The data's calcPrice throws on usage shapes it cannot split (e.g. audio tokens next to
      // cache reads for a model with a cached-audio price): no price rather than a wrong one.
      return this.unpriced(`cannot price: ${(error as Error).message}`, 'no_price_for_unit');
    }
  }

  private priceOrThrow(query: PriceQuery): Cost {
    const { provider, responseModel, requestModel } = query;
    const response = responseModel ? this.resolve(provider, responseModel) : NOTHING;
    const request =
      requestModel && requestModel !== responseModel
        ? this.resolve(provider, requestModel)
        : NOTHING;
    // A user's price for either model wins over the data's price for either.
    const override = response.override ?? request.override;
    const data = response.data ?? request.data;
    if (!override && !data) {
      if (!responseModel && !requestModel) return this.unpriced('no model', 'no_model');
      const models = [responseModel, requestModel].filter((model) => model).join(' or ');
      return this.unpriced(`no price for ${models} at provider ${provider}`, 'unknown_model');
    }
    const problem = usageProblem(query.usage);
    if (problem) return this.unpriced(`invalid usage: ${problem}`, 'invalid_usage');
    if (override) {
      const model = response.override ? responseModel! : requestModel!;
      return this.fromOverride(override, query.usage, model, provider);
    }
    return this.fromData(data!, query);
  }

  private resolve(provider: string, model: string): Resolution {
    const known = this.resolutions.get(provider)?.get(model);
    if (known) return known;
    const override = findOverride(this.overrides, provider, model);
    const data = this.matchData(provider, model);
    const resolution = override || data ? { override, data } : NOTHING;
    if (this.memoised >= MAX_MEMOISED) {
      this.resolutions.clear();
      this.memoised = 0;
    }
    let byModel = this.resolutions.get(provider);
    if (!byModel) {
      byModel = new Map();
      this.resolutions.set(provider, byModel);
    }
    byModel.set(model, resolution);
    this.memoised++;
    return resolution;
  }

  private matchData(provider: string, model: string): DataMatch | undefined {
    const dataProvider = this.provider(provider);
    if (!dataProvider) return undefined;
    // A probe finds the model by the data's own rules (snapshots, regional Bedrock ids, a
    // provider's fallback providers such as Azure's); its prices do not matter here.
    const probe = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, {
      provider: dataProvider,
    });
    if (!probe) return undefined;
    return {
      provider: { ...dataProvider, models: [probe.model] },
      model: probe.model,
      compiled: compileModel(probe.model),
    };
  }

  private provider(provider: string): Provider | null {
    let found = this.providers.get(provider);
    if (found === undefined) {
      found = findProvider({ providerId: priceDataProvider(provider) }) ?? null;
      this.providers.set(provider, found);
    }
    return found;
  }

  private fromData(match: DataMatch, query: PriceQuery): Cost {
    const usage = query.usage;
    const prices = pricesAt(match.compiled, query.timestamp);
    if (prices && canPrice(prices, usage)) {
      const cost = priceUsage(prices, usage);
      return this.priced(cost.input, cost.output, 'local', match.model.id, query.provider);
    }
    const result = calcPrice(toPriceDataUsage(usage), match.model.id, {
      provider: match.provider,
      ...(query.timestamp ? { timestamp: query.timestamp } : {}),
    });
    if (!result)
      return this.unpriced(`no price for ${match.model.id} at this time`, 'no_price_at_time');
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

  private fromOverride(price: OverridePrice, usage: Usage, model: string, provider: string): Cost {
    const cacheRead = usage.cacheReadTokens ?? 0;
    const cacheWrite = usage.cacheWriteTokens ?? 0;
    const cacheWrite1h =
      price.cacheWrite1hPerMTok === undefined ? 0 : (usage.cacheWrite1hTokens ?? 0);
    const uncached = usage.inputTokens - cacheRead - cacheWrite;
    const input =
      (uncached * price.inputPerMTok +
        cacheRead * (price.cacheReadPerMTok ?? price.inputPerMTok) +
        (cacheWrite - cacheWrite1h) * (price.cacheWritePerMTok ?? price.inputPerMTok) +
        cacheWrite1h * (price.cacheWrite1hPerMTok ?? 0)) /
      1e6;
    const output = (usage.outputTokens * price.outputPerMTok) / 1e6;
    return this.priced(input, output, 'override', model, provider);
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

  private unpriced(reason: string, code: UnpricedReason): Cost {
    return { priced: false, pricingVersion: this.version, reason, code };
  }
}

let defaultBook: PriceBook | undefined;

/** The PriceBook of this process: bundled data plus ELKHOUND_PRICING_FILE, loaded on first use. */
export function defaultPriceBook(): PriceBook {
  defaultBook ??= PriceBook.load();
  return defaultBook;
}
