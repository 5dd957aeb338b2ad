// Side by side: the same OTLP/protobuf load (a GenAI service's traces, then its log records; 8
// senders) through Elkhound's sidecar and through the OpenTelemetry Collector (otlp receiver →
// elasticsearch exporter) in four configurations — ECS and OTel-native mapping, each with the
// in-memory queue and with a persistent queue on file_storage with fsync — into the same
// Elasticsearch, alternating the order round by round, each phase starting on an idle node.
// Per phase: documents per second acknowledged by Elasticsearch (counted there), the shipper's CPU
// per document and peak RSS (/proc), Elasticsearch's CPU per document, lost and duplicated
// documents (by the load's unique `bench.id`).
//
// Run: ELASTICSEARCH_URL=http://127.0.0.1:9200 npm run bench:collector -w @elkhound/sidecar [requests] [per request]
// BENCH_ROUNDS (default 2), BENCH_SIGNALS (traces,logs), BENCH_LOAD (genai, or end-to-end: the
// end-to-end bench's simpler spans), BENCH_SHIPPERS (comma list of the names
// below), SIDECAR_EXEC_ARGV (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). The Collector is built
// by collector/build-collector.sh (Go needed); where it cannot be built the sidecar runs alone.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setupElasticsearch } from '@elkhound/exporter-elasticsearch';
import { makeSpans, traceRequestProtobuf } from '../test/support/requests';
import { collectorTemplates } from './collector/collector-config';
import { documentsPerRequest, logRequests, traceRequests } from './collector/genai-load';
import { cpuSecondsOf, elasticsearchPid, peakRssOf } from './collector/process-stats';
import {
  allShippers,
  distinctAndDuplicates,
  elasticsearch,
  post,
  startCollector,
  startSidecar,
  waitForCount,
  type Shipper,
  type Signal,
} from './collector/shippers';

const url = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';
process.env.ELASTICSEARCH_URL = url;
const requestCount = Number(process.argv[2] ?? 500);
const perRequest = Number(process.argv[3] ?? 100);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const senders = 8;
// BENCH_LOAD=end-to-end: the end-to-end bench's spans instead (one 6-attribute GenAI span a trace,
// only service.name on the resource), to tell per-request from per-document costs.
const simpleSpans = process.env.BENCH_LOAD === 'end-to-end';
const signals = (process.env.BENCH_SIGNALS ?? 'traces,logs').split(',') as Signal[];

interface PhaseResult {
  round: number;
  shipper: string;
  signal: Signal;
  documents: number;
  docsPerSecond: number;
  acceptSeconds: number;
  seconds: number;
  shipperCpuMicrosPerDoc: number;
  shipperMaxRssMiB: number;
  elasticsearchCpuMicrosPerDoc: number;
  refused: number;
  lost: number;
  duplicated: number;
  loadAverage: number;
}

async function main(): Promise<void> {
  await setupElasticsearch({ url });
  for (const [name, body] of Object.entries(collectorTemplates()))
    await elasticsearch('PUT', `/_index_template/${name}`, body);
  const esPid = await elasticsearchPid(url);
  if (esPid === undefined)
    throw new Error('the bench needs Elasticsearch on this machine (its CPU)');
  const esCpu = (): number => cpuSecondsOf(esPid);

  const only = process.env.BENCH_SHIPPERS?.split(',');
  let shippers = allShippers.filter((shipper) => !only || only.includes(shipper.name));
  let collectorBinary = '';
  if (shippers.some((shipper) => shipper.collector)) {
    const build = spawnSync('bash', [join(__dirname, 'collector', 'build-collector.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    if (build.status === 0) collectorBinary = build.stdout.trim();
    else {
      console.log(
        `the OpenTelemetry Collector could not be built (exit ${build.status}): running Elkhound's sidecar alone`,
      );
      shippers = shippers.filter((shipper) => !shipper.collector);
    }
  }

  const load = { requests: requestCount, perRequest };
  console.log(
    `building ${requestCount} OTLP/protobuf trace and logs requests of ~${perRequest} spans/records (real SDK)…`,
  );
  const bodies: Record<Signal, Buffer[]> = {
    traces: !signals.includes('traces')
      ? []
      : simpleSpans
        ? Array.from({ length: requestCount }, () =>
            traceRequestProtobuf(makeSpans(perRequest, 'bench')),
          )
        : traceRequests(load),
    logs: signals.includes('logs') ? logRequests(load) : [],
  };

  // Elasticsearch merges a phase's segments after answering it: each phase starts once the node
  // is idle again (under 10 % of a core for 500 ms), so that no phase pays for the one before.
  const settle = async (): Promise<void> => {
    for (let waited = 0; waited < 60_000; waited += 500) {
      const before = esCpu();
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (esCpu() - before < 0.05) return;
    }
  };

  const runPhase = async (
    shipper: Shipper,
    signal: Signal,
    round: number,
  ): Promise<PhaseResult> => {
    const running = shipper.collector
      ? await startCollector(collectorBinary, shipper.collector, signal)
      : await startSidecar(signal, shipper.bin, shipper.nodeOptions);
    const expected =
      bodies[signal].length *
      (simpleSpans && signal === 'traces' ? perRequest : documentsPerRequest(signal, load));
    await settle();
    const loadAverage = Number(loadavg()[0]?.toFixed(1));
    const shipperBefore = cpuSecondsOf(running.pid);
    const esBefore = esCpu();
    const started = performance.now();
    let next = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: senders }, async () => {
        for (let index = next++; index < bodies[signal].length;) {
          const answer = await post(running.endpoint, bodies[signal][index] as Buffer);
          if (answer.status === 200) index = next++;
          else if (answer.status === 429 || answer.status === 503) {
            refused++;
            await new Promise((resolve) => setTimeout(resolve, 50));
          } else throw new Error(`${shipper.name} answered ${answer.status}: ${answer.body}`);
        }
      }),
    );
    const acceptSeconds = (performance.now() - started) / 1000;
    await running.drained();
    const counted = await waitForCount(running.dataStream, expected);
    const seconds = (performance.now() - started) / 1000;
    const shipperCpu = cpuSecondsOf(running.pid) - shipperBefore;
    const esCpuUsed = esCpu() - esBefore;
    const peakRss = peakRssOf(running.pid);
    await running.stop();
    const { distinct, duplicates } = await distinctAndDuplicates(running.dataStream, counted);
    return {
      round,
      shipper: shipper.name,
      signal,
      documents: counted,
      docsPerSecond: Math.round(Math.min(counted, expected) / seconds),
      acceptSeconds: Number(acceptSeconds.toFixed(2)),
      seconds: Number(seconds.toFixed(2)),
      shipperCpuMicrosPerDoc: Math.round((shipperCpu * 1e6) / expected),
      shipperMaxRssMiB: Math.round(peakRss / 1024 / 1024),
      elasticsearchCpuMicrosPerDoc: Math.round((esCpuUsed * 1e6) / expected),
      refused,
      lost: expected - distinct,
      duplicated: duplicates,
      loadAverage,
    };
  };

  // A node just started is slow at first (JIT, first mappings): one unmeasured phase each signal.
  for (const signal of signals) await runPhase(shippers[0] as Shipper, signal, 0);
  const results: PhaseResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order: forward in odd rounds, backward in even ones.
    const order = round % 2 === 1 ? shippers : [...shippers].reverse();
    for (const signal of signals)
      for (const shipper of order) {
        const result = await runPhase(shipper, signal, round);
        results.push(result);
        console.log(JSON.stringify(result));
      }
  }
  console.log(JSON.stringify(summarise(results), null, 2));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Per signal and shipper: medians and ranges over the rounds. */
function summarise(results: PhaseResult[]): Record<string, Record<string, unknown>> {
  const summary: Record<string, Record<string, unknown>> = {};
  for (const result of results) {
    const key = `${result.signal} ${result.shipper}`;
    if (summary[key]) continue;
    const same = results.filter(
      (other) => other.signal === result.signal && other.shipper === result.shipper,
    );
    const spread = (pick: (phase: PhaseResult) => number): string => {
      const values = same.map(pick);
      return `${median(values)} (${Math.min(...values)}–${Math.max(...values)})`;
    };
    summary[key] = {
      docsPerSecond: spread((phase) => phase.docsPerSecond),
      shipperCpuMicrosPerDoc: spread((phase) => phase.shipperCpuMicrosPerDoc),
      elasticsearchCpuMicrosPerDoc: spread((phase) => phase.elasticsearchCpuMicrosPerDoc),
      shipperMaxRssMiB: Math.max(...same.map((phase) => phase.shipperMaxRssMiB)),
      lost: same.reduce((sum, phase) => sum + phase.lost, 0),
      duplicated: same.reduce((sum, phase) => sum + phase.duplicated, 0),
      loadAverage: spread((phase) => phase.loadAverage),
    };
  }
  return summary;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    // A shipper still running must not keep the bench alive.
    process.exit(1);
  },
);
