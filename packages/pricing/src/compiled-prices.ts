import type { ModelInfo, ModelPrice } from '@pydantic/genai-prices';
import type { Usage } from './types';

/**
 * A model's prices compiled once, so that a call is priced with a few comparisons and
 * multiplications instead of the data's `calcPrice` (about 10 µs: it copies the provider,
 * validates the units and decomposes the usage on every call). The arithmetic is the data's
 * own, and a test compares both for every bundled model at many instants; whatever is not
 * compiled here (per-request fees, durations, pages, a unit added to the data later) is left to
 * `calcPrice`.
 */

/** USD per million tokens, flat or by long-context tier. */
type Rate = number | TieredRate;

interface TieredRate {
  base: number;
  /** Sorted by start: the last tier whose start the input total exceeds applies to every token. */
  tiers: Array<{ start: number; price: number }>;
}

export interface CompiledPrices {
  input: Rate;
  output: Rate;
  cacheRead: Rate;
  cacheWrite: Rate;
  /** Undefined when the model has no 1-hour price: 1-hour writes are priced as cache writes. */
  cacheWrite1h: Rate | undefined;
  tiered: boolean;
  /** The model prices these parts apart: usage that reports them goes to calcPrice. */
  pricesReasoning: boolean;
  pricesAudio: boolean;
}

interface Period {
  /** Start of the period, ms since the epoch (start_date constraints). */
  fromMs?: number;
  /** Seconds of the UTC day (time_of_date constraints); the end is exclusive and may wrap. */
  fromSecond?: number;
  toSecond?: number;
  /** Undefined when these prices hold a unit only calcPrice knows. */
  prices: CompiledPrices | undefined;
}

export type CompiledModel =
  { timed: false; prices: CompiledPrices | undefined } | { timed: true; periods: Period[] };

const TOKEN_UNITS = new Set([
  'input_mtok',
  'output_mtok',
  'cache_read_mtok',
  'cache_write_mtok',
  'cache_write_1h_mtok',
]);
/** Priced only on usage Elkhound never reports, which calcPrice would price at 0 too. */
const UNREPORTED_UNIT = /image|video|document|citation|searches_kcount/;

export function compileModel(model: ModelInfo): CompiledModel {
  if (!Array.isArray(model.prices)) return { timed: false, prices: compilePrices(model.prices) };
  const periods = model.prices.map((conditional): Period => {
    const prices = compilePrices(conditional.prices);
    const constraint = conditional.constraint;
    if (!constraint) return { prices };
    if (constraint.type === 'start_date')
      return { fromMs: Date.parse(constraint.start_date), prices };
    return {
      fromSecond: secondOfDay(constraint.start_time),
      toSecond: secondOfDay(constraint.end_time),
      prices,
    };
  });
  return { timed: true, periods };
}

/** The prices in force at a time, chosen as the data's calcPrice chooses them. */
export function pricesAt(
  model: CompiledModel,
  timestamp: Date | undefined,
): CompiledPrices | undefined {
  if (!model.timed) return model.prices;
  const periods = model.periods;
  const ms = timestamp ? timestamp.getTime() : Date.now();
  if (Number.isNaN(ms)) return undefined;
  // The last period that matches wins; the first one is the default.
  for (let index = periods.length - 1; index >= 0; index--) {
    const period = periods[index]!;
    if (period.fromMs !== undefined) {
      if (ms >= period.fromMs) return period.prices;
    } else if (period.fromSecond !== undefined && period.toSecond !== undefined) {
      const second = (((ms / 1000) % 86_400) + 86_400) % 86_400;
      const { fromSecond, toSecond } = period;
      const inside =
        toSecond < fromSecond
          ? second >= fromSecond || second < toSecond
          : second >= fromSecond && second < toSecond;
      if (inside) return period.prices;
    } else return period.prices;
  }
  return periods[0]?.prices;
}

/** Whether the compiled prices can price this usage; otherwise calcPrice does. */
export function canPrice(prices: CompiledPrices, usage: Usage): boolean {
  return (
    !(prices.pricesReasoning && usage.reasoningTokens) &&
    !(prices.pricesAudio && (usage.inputAudioTokens || usage.outputAudioTokens))
  );
}

/** Input and output cost in USD; the usage has been checked (parts within their totals). */
export function priceUsage(
  prices: CompiledPrices,
  usage: Usage,
): { input: number; output: number } {
  const inputTokens = usage.inputTokens;
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const cacheWrite1h = prices.cacheWrite1h === undefined ? 0 : (usage.cacheWrite1hTokens ?? 0);
  const uncached = inputTokens - cacheRead - cacheWrite;
  if (!prices.tiered) {
    const input =
      uncached * (prices.input as number) +
      cacheRead * (prices.cacheRead as number) +
      (cacheWrite - cacheWrite1h) * (prices.cacheWrite as number) +
      (cacheWrite1h ? cacheWrite1h * (prices.cacheWrite1h as number) : 0);
    return { input: input / 1e6, output: (usage.outputTokens * (prices.output as number)) / 1e6 };
  }
  const input =
    uncached * rate(prices.input, inputTokens) +
    cacheRead * rate(prices.cacheRead, inputTokens) +
    (cacheWrite - cacheWrite1h) * rate(prices.cacheWrite, inputTokens) +
    (cacheWrite1h ? cacheWrite1h * rate(prices.cacheWrite1h!, inputTokens) : 0);
  return {
    input: input / 1e6,
    output: (usage.outputTokens * rate(prices.output, inputTokens)) / 1e6,
  };
}

function rate(price: Rate, inputTokens: number): number {
  if (typeof price === 'number') return price;
  let current = price.base;
  for (const tier of price.tiers) if (inputTokens > tier.start) current = tier.price;
  return current;
}

function compilePrices(prices: ModelPrice): CompiledPrices | undefined {
  let tiered = false;
  let pricesReasoning = false;
  let pricesAudio = false;
  const rates = new Map<string, Rate>();
  for (const [key, value] of Object.entries(prices)) {
    if (value === undefined) continue;
    if (TOKEN_UNITS.has(key)) {
      if (typeof value === 'number') rates.set(key, value);
      else {
        tiered = true;
        const tiers = value.tiers.map(({ start, price }) => ({ start, price }));
        rates.set(key, { base: value.base, tiers: tiers.sort((a, b) => a.start - b.start) });
      }
    } else if (key === 'output_reasoning_mtok') pricesReasoning = true;
    else if (key.includes('audio') && key.endsWith('_mtok')) pricesAudio = true;
    else if (!UNREPORTED_UNIT.test(key)) return undefined;
  }
  const input = rates.get('input_mtok');
  const output = rates.get('output_mtok');
  // A model priced by neither (pages, seconds) is for calcPrice to decide.
  if (input === undefined && output === undefined) return undefined;
  // As in calcPrice, a part without its own price is priced as the whole it belongs to.
  const cacheWrite = rates.get('cache_write_mtok') ?? input ?? 0;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: rates.get('cache_read_mtok') ?? input ?? 0,
    cacheWrite,
    cacheWrite1h: rates.get('cache_write_1h_mtok'),
    tiered,
    pricesReasoning,
    pricesAudio,
  };
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` → seconds of the UTC day. */
function secondOfDay(time: string): number {
  const parts = /^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!parts) return Number.NaN;
  const local = Number(parts[1]) * 3600 + Number(parts[2]) * 60 + Number(parts[3]);
  const offset =
    parts[4] === 'Z'
      ? 0
      : (parts[5] === '-' ? -1 : 1) * (Number(parts[6]) * 3600 + Number(parts[7]) * 60);
  return (((local - offset) % 86_400) + 86_400) % 86_400;
}
