// Added CPU time per non-streaming call and per stream chunk of GenAIInstrumentation, against the
// bare openai SDK and against @opentelemetry/instrumentation-openai and
// @traceloop/instrumentation-openai, on the same in-process transport (a fetch that answers from
// the fixture files), with the real OpenTelemetry SDK behind each (batch span processor to a
// discarding exporter, metrics, logs). Each variant runs in a process of its own
// (overhead-child.ts), the variants alternate over several rounds, and the table shows medians.
// The peers support openai < 7: all four are measured on openai 4 (the oldest major Elkhound
// supports), and Elkhound alone on the newest openai, on @anthropic-ai/sdk and on @google/genai
// (no peer instruments those two).
//
// What is added is read per round: each variant's CPU time minus the bare SDK's of the same round
// (the machine's load drifts between rounds more than the figures differ), then the median and
// the range over the rounds. Per chunk, each child reads within its own process, stream by
// stream, its CPU per chunk (streams of two lengths) and what it adds per chunk to the SDK's own
// stream decoder (overhead-child.ts); a variant's added per chunk is that minus the bare SDK's of
// the same round (the SDK's call path against its decoder alone: ≈ 0, the bare row shows it).
// The bare SDK's CPU per chunk drifts too much between processes (up to ~50 %) to be subtracted
// across them; only where an SDK has no decoder to compare with (@google/genai) is it. Per chunk
// leaves out garbage collection (medians of single streams, overhead-child.ts).
// Environment: BENCH_ROUNDS (default 5); BENCH_SDKS (default
// `4,7,anthropic,google`); ELKHOUND_DIST, the dist folder Elkhound is loaded from (default this
// package's); ELKHOUND_BASELINE_DIST, the dist folder of another build of this package
// (e.g. main's, in a git worktree of its own), adds its Elkhound variants as `…@baseline`;
// BENCH_VARIANTS, a comma-separated list, narrows the openai 4 variants. The children read CALLS,
// STREAMS and ROUNDS (overhead-child.ts).
// Run: cd packages/instrumentation-genai && node --import tsx bench/overhead.ts
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';

interface Sample {
  variant: string;
  sdk: string;
  plain: number;
  stream: number;
  /** CPU µs per content event: long streams against short ones in the same process. */
  perChunk: number;
  /** µs added per content event to the SDK's own decoder, in the same process (not for all SDKs). */
  addedPerChunk?: number;
  chunks: number;
  spans: number;
  attributesPerSpan: number;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SDKS = (process.env.BENCH_SDKS ?? '4,7,anthropic,google').split(',');
const BASELINE = process.env.ELKHOUND_BASELINE_DIST;
const ELKHOUND = BASELINE
  ? ['elkhound', 'elkhound@baseline', 'elkhound-lean', 'elkhound-lean@baseline']
  : ['elkhound', 'elkhound-lean'];
const ALL = ['bare', ...ELKHOUND, 'otel', 'traceloop', 'otel-content', 'traceloop-content'];
// BENCH_VARIANTS narrows the openai 4 run (the bare SDK always runs: what is added is read from it).
const VARIANTS = process.env.BENCH_VARIANTS
  ? [
      'bare',
      ...ALL.filter(
        (variant) => variant !== 'bare' && process.env.BENCH_VARIANTS?.split(',').includes(variant),
      ),
    ]
  : ALL;

function run(variant: string, major: string): Sample {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'overhead-child.ts'), variant, major],
    {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      env: { ...process.env, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: '' },
    },
  );
  return JSON.parse(output.trim().split('\n').at(-1) as string) as Sample;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A figure over the rounds: its median and its range. */
interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

function show(value: Spread, digits: number): string {
  return `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;
}

/** One variant over the rounds: its own CPU time, and what it adds to the same round's bare SDK. */
interface Result {
  sdk: string;
  spans: number;
  attributesPerSpan: number;
  plain: Spread;
  stream: Spread;
  chunk: Spread;
  /** Per round: µs added per call, and per chunk. */
  addedCall: number[];
  addedChunk: number[];
  /** The bare SDK's call against its decoder alone, per chunk: the zero the others are read from. */
  decoderGap?: Spread;
}

function measure(major: string, variants: string[]): Map<string, Result> {
  const rounds: Map<string, Sample>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The order alternates: each variant runs first in some rounds and last in others.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const samples = new Map<string, Sample>();
    for (const variant of order) samples.set(variant, run(variant, major));
    rounds.push(samples);
  }
  const results = new Map<string, Result>();
  for (const variant of variants) {
    const own = rounds.map((samples) => samples.get(variant) as Sample);
    const bare = rounds.map((samples) => samples.get('bare') as Sample);
    results.set(variant, {
      sdk: (own[0] as Sample).sdk,
      spans: Math.min(...own.map((sample) => sample.spans)),
      attributesPerSpan: (own[0] as Sample).attributesPerSpan,
      plain: spread(own.map((sample) => sample.plain)),
      stream: spread(own.map((sample) => sample.stream)),
      chunk: spread(own.map((sample) => sample.perChunk)),
      addedCall: own.map((sample, round) => sample.plain - (bare[round] as Sample).plain),
      addedChunk: own.map((sample, round) => {
        const base = bare[round] as Sample;
        return sample.addedPerChunk !== undefined && base.addedPerChunk !== undefined
          ? sample.addedPerChunk - base.addedPerChunk
          : sample.perChunk - base.perChunk;
      }),
      decoderGap:
        own[0]?.addedPerChunk === undefined
          ? undefined
          : spread(own.map((sample) => sample.addedPerChunk as number)),
    });
  }
  return results;
}

const NAMES: Record<string, string> = {
  bare: 'bare SDK',
  elkhound: '**@elkhound/instrumentation-genai**',
  'elkhound-lean': '@elkhound/instrumentation-genai, prompt hashing and metrics off',
  otel: '@opentelemetry/instrumentation-openai 0.22.0 (content off, its default)',
  traceloop: '@traceloop/instrumentation-openai 0.27.0, traceContent off',
  'otel-content': '@opentelemetry/instrumentation-openai 0.22.0, content on',
  'traceloop-content': '@traceloop/instrumentation-openai 0.27.0, traceContent on (its default)',
};

function nameOf(variant: string): string {
  const [name, build] = variant.split('@') as [string, string?];
  const known = NAMES[name] ?? name;
  return build ? `${known.replace(/\*\*/g, '')}, ${build} build` : known;
}

function table(results: Map<string, Result>): void {
  console.log(
    '| variant | SDK | spans exported | attributes per span | µs CPU per call | added per call | µs CPU per stream | µs CPU per chunk | added per chunk |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [variant, result] of results) {
    const bare = variant === 'bare';
    console.log(
      `| ${nameOf(variant)} | ${result.sdk} | ${result.spans} | ${result.attributesPerSpan.toFixed(1)} | ${show(result.plain, 1)} | ${bare ? '–' : show(spread(result.addedCall), 1)} | ${show(result.stream, 0)} | ${show(result.chunk, 2)} | ${bare ? (result.decoderGap ? `(decoder gap ${show(result.decoderGap, 2)})` : '–') : show(spread(result.addedChunk), 2)} |`,
    );
  }
}

/** Per round, the ratio of what two variants add; its median and range. */
function ratio(of: readonly number[], to: readonly number[]): Spread {
  return spread(of.map((value, round) => value / (to[round] as number)));
}

console.log(
  `## Instrumentation overhead (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${ROUNDS} alternating rounds; medians, range in brackets)`,
);
if (SDKS.includes('4')) {
  const v4 = measure('4', VARIANTS);
  table(v4);
  for (const [variant, result] of v4)
    if (variant !== 'bare' && result.spans === 0)
      console.log(`WARNING: ${variant} exported no spans — it did not patch ${result.sdk}`);
  // The bars of issue 15: against the contrib instrumentation with everything on (content on; it
  // records the same metrics), and, with prompt hashing and metrics off, against Traceloop.
  const of = (variant: string): Result => v4.get(variant) as Result;
  const bars: [string, string, string, 'addedCall' | 'addedChunk'][] = [];
  for (const build of BASELINE ? ['', '@baseline'] : [''])
    bars.push(
      [
        'per call, Elkhound / contrib (content on)',
        `elkhound${build}`,
        'otel-content',
        'addedCall',
      ],
      [
        'per call, Elkhound lean / Traceloop (content off)',
        `elkhound-lean${build}`,
        'traceloop',
        'addedCall',
      ],
      [
        'per chunk, Elkhound / contrib (content on)',
        `elkhound${build}`,
        'otel-content',
        'addedChunk',
      ],
    );
  console.log('');
  for (const [name, variant, peer, figure] of bars) {
    if (!v4.has(variant) || !v4.has(peer)) continue;
    // The ratio of the medians reads the bar; the per-round ratios show how far one round can
    // stray (per chunk a round's peer can add next to nothing, and its ratio explode).
    const value = median(of(variant)[figure]) / median(of(peer)[figure]);
    const rounds = ratio(of(variant)[figure], of(peer)[figure]);
    const build = variant.includes('@') ? ' (baseline build)' : '';
    console.log(
      `${name}${build}: ${value.toFixed(2)} — bar ≤ 1.00: ${value <= 1 ? 'met' : 'NOT met'} (ratio of the medians; per round ${rounds.min.toFixed(2)}–${rounds.max.toFixed(2)})`,
    );
  }
}
for (const sdk of SDKS.filter((sdk) => sdk !== '4')) {
  console.log('');
  table(
    measure(sdk, ['bare', ...ELKHOUND.filter((variant) => !variant.startsWith('elkhound-lean'))]),
  );
}
