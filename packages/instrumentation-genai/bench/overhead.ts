// Added CPU time per non-streaming call and per stream chunk of GenAIInstrumentation, against the
// bare openai SDK and against @opentelemetry/instrumentation-openai and
// @traceloop/instrumentation-openai, on the same in-process transport (a fetch that answers from
// the fixture files), with the real OpenTelemetry SDK behind each (batch span processor to a
// discarding exporter, metrics, logs). Each variant runs in a process of its own
// (overhead-child.ts), the variants alternate over several rounds, and the table shows medians.
// The peers support openai < 7: all four are measured on openai 4 (the oldest major Elkhound
// supports), and Elkhound alone on the newest openai, on @anthropic-ai/sdk and on @google/genai
// (no peer instruments those two).
// Run: cd packages/instrumentation-genai && node --import tsx bench/overhead.ts
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';

interface Sample {
  variant: string;
  sdk: string;
  plain: number;
  stream: number;
  chunks: number;
  spans: number;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VARIANTS = [
  'bare',
  'elkhound',
  'elkhound-lean',
  'otel',
  'traceloop',
  'otel-content',
  'traceloop-content',
];

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function measure(major: string, variants: string[]): Map<string, Sample> {
  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < ROUNDS; round++)
    for (const variant of variants) {
      const sample = run(variant, major);
      samples.set(variant, [...(samples.get(variant) ?? []), sample]);
    }
  const result = new Map<string, Sample>();
  for (const [variant, list] of samples)
    result.set(variant, {
      ...(list[0] as Sample),
      plain: median(list.map((sample) => sample.plain)),
      stream: median(list.map((sample) => sample.stream)),
      spans: Math.min(...list.map((sample) => sample.spans)),
    });
  return result;
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

function table(results: Map<string, Sample>): void {
  const bare = results.get('bare') as Sample;
  console.log(
    '| variant | SDK | spans exported | µs CPU per call | added per call | µs CPU per stream | added per chunk |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [variant, sample] of results) {
    const addedCall = sample.plain - bare.plain;
    const addedChunk = (sample.stream - bare.stream) / sample.chunks;
    console.log(
      `| ${NAMES[variant] ?? variant} | ${sample.sdk} | ${sample.spans} | ${sample.plain.toFixed(1)} | ${variant === 'bare' ? '–' : addedCall.toFixed(1)} | ${sample.stream.toFixed(0)} | ${variant === 'bare' ? '–' : addedChunk.toFixed(3)} |`,
    );
  }
}

console.log(
  `## Instrumentation overhead (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${ROUNDS} alternating rounds, medians)`,
);
const v4 = measure('4', VARIANTS);
table(v4);
const elkhound = v4.get('elkhound') as Sample;
const bare = v4.get('bare') as Sample;
const peers = ['otel', 'traceloop'].map((variant) => v4.get(variant) as Sample);
for (const sample of [elkhound, ...peers])
  if (sample.spans === 0)
    console.log(
      `WARNING: ${sample.variant} exported no spans — it did not patch openai ${sample.sdk}`,
    );
const bestCall = Math.min(...peers.map((sample) => sample.plain - bare.plain));
const bestChunk = Math.min(...peers.map((sample) => (sample.stream - bare.stream) / sample.chunks));
const ratioCall = (elkhound.plain - bare.plain) / bestCall;
const ratioChunk = (elkhound.stream - bare.stream) / elkhound.chunks / bestChunk;
console.log(
  `\nElkhound / best peer (content off for all): per call ${ratioCall.toFixed(2)}, per chunk ${ratioChunk.toFixed(2)} — bar ≤ 0.50: ${ratioCall <= 0.5 && ratioChunk <= 0.5 ? 'met' : 'NOT met'}`,
);
// The bars of issue 15: against the contrib instrumentation with everything on (content on; it
// records the same metrics), and, with prompt hashing and metrics off, against Traceloop.
const added = (variant: string): number => (v4.get(variant) as Sample).plain - bare.plain;
const addedChunk = (variant: string): number => {
  const sample = v4.get(variant) as Sample;
  return (sample.stream - bare.stream) / sample.chunks;
};
const bars = [
  ['per call, Elkhound / contrib (content on)', added('elkhound') / added('otel-content')],
  [
    'per call, Elkhound lean / Traceloop (content off)',
    added('elkhound-lean') / added('traceloop'),
  ],
  [
    'per chunk, Elkhound / contrib (content on)',
    addedChunk('elkhound') / addedChunk('otel-content'),
  ],
] as const;
for (const [name, ratio] of bars)
  console.log(`${name}: ${ratio.toFixed(2)} — bar ≤ 1.00: ${ratio <= 1 ? 'met' : 'NOT met'}`);
for (const sdk of ['7', 'anthropic', 'google']) {
  console.log('');
  table(measure(sdk, ['bare', 'elkhound']));
}
