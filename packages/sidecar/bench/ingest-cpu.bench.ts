// The sidecar's per-document CPU without the network and Elasticsearch: the bench load's requests
// (bench/collector/genai-load.ts) decoded, mapped to ECS and written as queue records, in-process,
// timed by process.cpuUsage. Run: node --import tsx bench/ingest-cpu.bench.ts [requests] [rounds]
// BENCH_SIGNALS: logs,traces (the default) or one of them.
import { SIGNALS } from '../src/receiver/signals';
import { encodeRecord } from '../src/queue/record';
import { logRequests, traceRequests } from './collector/genai-load';

const requests = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 5);
const load = { requests, perRequest: 100 };
const signals = (process.env.BENCH_SIGNALS ?? 'logs,traces').split(',');
for (const [name, bodies] of [
  ['logs', signals.includes('logs') ? logRequests(load) : []],
  ['traces', signals.includes('traces') ? traceRequests(load) : []],
] as const) {
  if (bodies.length === 0) continue;
  const signal = SIGNALS.find((candidate) => candidate.name === name);
  if (!signal) throw new Error(name);
  const figures: number[] = [];
  for (let round = 0; round <= rounds; round++) {
    let documents = 0;
    const before = process.cpuUsage();
    for (const body of bodies) {
      const mapped = signal.documents(body, 'protobuf', 'bench');
      documents += mapped.documents.length;
      encodeRecord(mapped.documents);
    }
    const used = process.cpuUsage(before);
    // Round 0 warms up.
    if (round > 0) figures.push((used.user + used.system) / documents);
  }
  figures.sort((a, b) => a - b);
  console.log(
    `${name}: ${figures[Math.floor(figures.length / 2)]?.toFixed(2)} µs CPU per document (${figures[0]?.toFixed(2)}–${figures.at(-1)?.toFixed(2)})`,
  );
}
