// Kafka → Elasticsearch: the same OTLP requests written once straight to `elkhound sidecar` (the
// direct path) and once as Kafka records read by one and by two `elkhound consume` processes, in
// documents per second and CPU microseconds per document of the Elkhound processes (from
// /proc/<pid>/stat), in one run on the same Elasticsearch and broker.
// Run: ELASTICSEARCH_URL=… KAFKA_BOOTSTRAP_SERVERS=… npm run bench:kafka -w @elkhound/sidecar [requests] [spans per request]
import { readFileSync } from 'node:fs';
import { Producer } from '@platformatic/kafka';
import {
  createTopics,
  kafkaBootstrap,
  metricSum,
  spawnConsumer,
  stopKafka,
} from '../test/support/kafka';
import { makeSpans, traceRequestProtobuf } from '../test/support/requests';
import { spawnSidecar, uniqueNamespace } from '../test/support/sidecar-process';

const url = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';
process.env.ELASTICSEARCH_URL = url;
const requestCount = Number(process.argv[2] ?? 1000);
const spansPerRequest = Number(process.argv[3] ?? 100);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const documents = requestCount * spansPerRequest;
const TICKS_PER_SECOND = 100;

function cpuSeconds(pid: number): number {
  // utime and stime: fields 14 and 15, after the command name in parentheses.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function count(namespace: string): Promise<number> {
  const index = `traces-elkhound-${namespace}`;
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  const response = await fetch(`${url}/${index}/_count`);
  if (response.status !== 200) return 0;
  return ((await response.json()) as { count: number }).count;
}

/** Waits for the documents; returns when the first of them became visible (performance.now()). */
async function waitForCount(namespace: string, expected: number): Promise<number> {
  const deadline = Date.now() + 600_000;
  let firstSeen: number | undefined;
  while (Date.now() < deadline) {
    const seen = await count(namespace);
    if (seen > 0) firstSeen ??= performance.now();
    if (seen >= expected) return firstSeen ?? performance.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${expected} documents not there within 10 minutes`);
}

const bodies = Array.from({ length: requestCount }, () =>
  traceRequestProtobuf(makeSpans(spansPerRequest, 'kafka-bench')),
);

interface Result {
  path: string;
  documentsPerSecond: number;
  /**
   * Kafka paths: from the first document visible in Elasticsearch to the last, without the
   * consumers' process start and group join (the backlog is in Kafka before they start).
   */
  steadyDocumentsPerSecond?: number;
  cpuMicrosPerDocument: number;
  [extra: string]: unknown;
}
const results: Result[] = [];

function report(
  path: string,
  started: number,
  firstSeen: number | undefined,
  cpu: number,
  extra: object = {},
): void {
  const ended = performance.now();
  const result: Result = {
    path,
    documentsPerSecond: Math.round(documents / ((ended - started) / 1000)),
    steadyDocumentsPerSecond:
      firstSeen === undefined
        ? undefined
        : Math.round(documents / Math.max((ended - firstSeen) / 1000, 0.001)),
    cpuMicrosPerDocument: +((cpu / documents) * 1e6).toFixed(1),
    ...extra,
  };
  results.push(result);
  console.log(JSON.stringify({ documents, ...result }));
}

async function direct(): Promise<void> {
  const namespace = uniqueNamespace('benchdirect');
  const sidecar = await spawnSidecar({ ELASTICSEARCH_URL: url, ELKHOUND_NAMESPACE: namespace });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const pid = sidecar.child.pid as number;
    const cpu0 = cpuSeconds(pid);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++] as Buffer;
          const answer = await fetch(sidecar.url('/v1/traces'), {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body,
          });
          if (answer.status !== 200) throw new Error(`sidecar answered ${answer.status}`);
        }
      }),
    );
    // The load starts at once: documents/s from the first request is the steady rate here.
    await waitForCount(namespace, documents);
    report('sidecar → Elasticsearch (direct)', started, undefined, cpuSeconds(pid) - cpu0);
  } finally {
    await sidecar.stop('SIGKILL');
  }
}

async function viaKafka(consumers: number): Promise<void> {
  const namespace = uniqueNamespace(`benchkafka${consumers}`);
  const topics = [`spans_${namespace}`, `logs_${namespace}`, `metrics_${namespace}`];
  await createTopics(topics, 4);
  // The records as the edge produces them: one per request here (each request holds many traces;
  // the document count is what is measured).
  const producer = new Producer({
    clientId: 'bench',
    bootstrapBrokers: kafkaBootstrap().split(','),
  });
  for (let start = 0; start < bodies.length; start += 50) {
    await producer.send({
      messages: bodies.slice(start, start + 50).map((value, index) => ({
        topic: topics[0] as string,
        key: Buffer.from(String(start + index)),
        value,
      })),
    });
  }
  await producer.close();
  const env = {
    ELKHOUND_NAMESPACE: namespace,
    ELKHOUND_KAFKA_TOPIC_TRACES: topics[0],
    ELKHOUND_KAFKA_TOPIC_LOGS: topics[1],
    ELKHOUND_KAFKA_TOPIC_METRICS: topics[2],
    ELKHOUND_KAFKA_GROUP_ID: `group_${namespace}`,
  };
  const started = performance.now();
  const processes = [];
  for (let index = 0; index < consumers; index++) processes.push(await spawnConsumer(env));
  const cpu0 = processes.map((process) => cpuSeconds(process.child.pid as number));
  try {
    const firstSeen = await waitForCount(namespace, documents);
    const cpu = processes.reduce(
      (sum, process, index) =>
        sum + cpuSeconds(process.child.pid as number) - (cpu0[index] as number),
      0,
    );
    let commitSeconds = 0;
    let commits = 0;
    for (const process of processes) {
      commitSeconds += await metricSum(
        process.url('/metrics'),
        'elkhound_kafka_commit_duration_seconds_sum',
      );
      commits += await metricSum(
        process.url('/metrics'),
        'elkhound_kafka_commit_duration_seconds_count',
      );
    }
    report(`Kafka → ${consumers} × elkhound consume → Elasticsearch`, started, firstSeen, cpu, {
      commits,
      commitMillisecondsMean: commits > 0 ? Math.round((commitSeconds / commits) * 1000) : null,
    });
  } finally {
    for (const process of processes) await process.stop('SIGKILL');
  }
}

function medianAndRange(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return `${+median.toFixed(1)} (${sorted[0]}–${sorted[sorted.length - 1]})`;
}

function summary(): Record<string, Record<string, string>> {
  const byPath: Record<string, Record<string, string>> = {};
  for (const path of new Set(results.map((result) => result.path))) {
    const runs = results.filter((result) => result.path === path);
    byPath[path] = {
      documentsPerSecond: medianAndRange(runs.map((run) => run.documentsPerSecond)),
      ...(runs[0]?.steadyDocumentsPerSecond === undefined
        ? {}
        : {
            steadyDocumentsPerSecond: medianAndRange(
              runs.map((run) => run.steadyDocumentsPerSecond as number),
            ),
          }),
      cpuMicrosPerDocument: medianAndRange(runs.map((run) => run.cpuMicrosPerDocument)),
    };
  }
  return byPath;
}

async function main(): Promise<void> {
  kafkaBootstrap();
  try {
    // Rounds alternate the order of the three paths (forward, then backward), as the machine's
    // speed drifts; the summary gives each path's median and range.
    const paths = [direct, () => viaKafka(1), () => viaKafka(2)];
    for (let round = 1; round <= rounds; round++)
      for (const path of round % 2 === 1 ? paths : [...paths].reverse()) await path();
    console.log(JSON.stringify(summary(), null, 2));
  } finally {
    stopKafka();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
