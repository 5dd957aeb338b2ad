// End to end: OTLP/HTTP protobuf load (a bounded generator on loopback) → `elkhound sidecar`
// (a real child process: receive, map, fsynced queue, bulk) → the real Elasticsearch, in
// documents per second, against a raw `_bulk` of the same pre-serialised documents on the same
// node in the same run; and the sidecar's RSS at saturation (sampled from its /metrics).
// Run: ELASTICSEARCH_URL=http://127.0.0.1:9200 npm run bench -w @elkhound/sidecar [requests] [spans per request]
// It also reports where the machine's CPU went (the sidecar's, Elasticsearch's and its own, per
// document): on a small machine the three share the cores. SIDECAR_EXEC_ARGV="--cpu-prof
// --cpu-prof-dir=/tmp/prof" profiles the sidecar.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { encodeSpans, type EcsDocument } from '@elkhound/ecs';
import { bulkBody, setupElasticsearch } from '@elkhound/exporter-elasticsearch';
import { decodeTraceRequest } from '@elkhound/otlp';
import { makeSpans, traceRequestProtobuf } from '../test/support/requests';
import {
  metricValue,
  spawnSidecar,
  uniqueNamespace,
  waitForDrain,
} from '../test/support/sidecar-process';

const url = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';
process.env.ELASTICSEARCH_URL = url;
const requestCount = Number(process.argv[2] ?? 1000);
const spansPerRequest = Number(process.argv[3] ?? 100);
const clientConcurrency = 8;
const bulkConcurrency = 2;

function post(
  path: string,
  body: Buffer,
  contentType: string,
): Promise<{ status: number; body: Buffer }> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        headers: { 'content-type': contentType, 'content-length': body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Raw `_bulk` of pre-serialised bodies, `bulkConcurrency` in flight: the node's own rate. */
async function get(path: string): Promise<string> {
  const response = await fetch(new URL(path, url));
  return response.text();
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the Elasticsearch node (to read its CPU), when it runs on this machine. */
async function elasticsearchPid(): Promise<number | undefined> {
  try {
    const answer = await get('/_nodes/_local/process?filter_path=nodes.*.process.id');
    const nodes = (JSON.parse(answer) as { nodes: Record<string, { process: { id: number } }> })
      .nodes;
    const pid = Object.values(nodes)[0]?.process.id;
    return pid !== undefined && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function rawBulk(bodies: Buffer[], documents: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: bulkConcurrency }, async () => {
      for (let index = next++; index < bodies.length; index = next++) {
        const answer = await post(
          '/_bulk?filter_path=errors',
          bodies[index] as Buffer,
          'application/x-ndjson',
        );
        if (answer.status !== 200 || answer.body.toString().includes('"errors":true')) {
          throw new Error(
            `raw bulk failed: ${answer.status} ${answer.body.toString().slice(0, 300)}`,
          );
        }
      }
    }),
  );
  return documents / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  await setupElasticsearch({ url });
  console.log(
    `building ${requestCount} OTLP/protobuf requests of ${spansPerRequest} spans (real SDK serializer)…`,
  );
  const requests: Buffer[] = [];
  for (let index = 0; index < requestCount; index++)
    requests.push(traceRequestProtobuf(makeSpans(spansPerRequest, 'bench')));

  // The same documents the sidecar will write, mapped up front and cut into 5 MiB bulk bodies,
  // into a data stream of their own per round.
  const esPid = await elasticsearchPid();
  const esCpu = (): number => (esPid === undefined ? NaN : cpuSecondsOf(esPid));
  const rawRound = async (
    prefix: string,
  ): Promise<{ rate: number; documents: number; esCpuSeconds: number }> => {
    const rawNamespace = uniqueNamespace(prefix);
    const documents: EcsDocument[] = [];
    for (const request of requests)
      documents.push(...encodeSpans(decodeTraceRequest(request), { namespace: rawNamespace }));
    const bodies: Buffer[] = [];
    let batch: EcsDocument[] = [];
    let batchBytes = 0;
    for (const document of documents) {
      batch.push(document);
      batchBytes += document.source.length + 100;
      if (batchBytes >= 5 * 1024 * 1024) {
        bodies.push(bulkBody(batch));
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length) bodies.push(bulkBody(batch));
    const esBefore = esCpu();
    const rate = await rawBulk(bodies, documents.length);
    return { rate, documents: documents.length, esCpuSeconds: esCpu() - esBefore };
  };
  // A node just started (as in CI) is slow at first: one round warms it and is not counted; the
  // raw rate is then taken before and after the sidecar's run and averaged.
  // Elasticsearch merges the segments of a round after answering it: each measured phase starts
  // once the node is idle again, so that no phase is billed for the one before it.
  const settle = async (): Promise<void> => {
    if (esPid === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return;
    }
    for (let waited = 0; waited < 60_000; waited += 500) {
      const before = esCpu();
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (esCpu() - before < 0.05) return; // under 10 % of a core
    }
  };
  await rawRound('benchwarm');
  await settle();
  const rawBefore = await rawRound('benchraw');
  await settle();
  const documents = { length: rawBefore.documents };

  const namespace = uniqueNamespace('benchside');
  const sidecar = await spawnSidecar({
    ELASTICSEARCH_URL: url,
    ELKHOUND_NAMESPACE: namespace,
    // Unset: the sidecar's default (no gzip to an Elasticsearch on loopback).
    ELKHOUND_BULK_GZIP: process.env.ELKHOUND_BULK_GZIP,
    ELKHOUND_BULK_CONCURRENCY: process.env.ELKHOUND_BULK_CONCURRENCY ?? '2',
    // As the `elkhound` command's shebang runs it (the bench starts the script with node).
    NODE_OPTIONS: process.env.SIDECAR_NODE_OPTIONS ?? '--max-semi-space-size=16',
    ELKHOUND_MAX_IN_FLIGHT_BYTES: process.env.ELKHOUND_MAX_IN_FLIGHT_BYTES,
  });
  let maxRss = 0;
  const sampler = setInterval(() => {
    metricValue(sidecar, 'process_resident_memory_bytes').then(
      (rss) => (maxRss = Math.max(maxRss, rss)),
      () => undefined,
    );
  }, 100);
  const started = performance.now();
  const esBefore = esCpu();
  const ownBefore = process.cpuUsage();
  // The sidecar's CPU from here, not from its start (loading its modules is not per document).
  const sidecarBefore = cpuSecondsOf(sidecar.child.pid as number);
  let next = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: clientConcurrency }, async () => {
      for (let index = next++; index < requests.length;) {
        const answer = await post(
          sidecar.url('/v1/traces'),
          requests[index] as Buffer,
          'application/x-protobuf',
        );
        if (answer.status === 200) index = next++;
        else if (answer.status === 429 || answer.status === 503) {
          refused++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else throw new Error(`sidecar answered ${answer.status}: ${answer.body.toString()}`);
      }
    }),
  );
  const acceptedAt = performance.now();
  // Polled often: the end of the run is known to within 20 ms (a run takes a few seconds).
  await waitForDrain(sidecar, 300_000, 20);
  const elapsed = (performance.now() - started) / 1000;
  const esSidecarCpu = esCpu() - esBefore;
  const own = process.cpuUsage(ownBefore);
  clearInterval(sampler);
  maxRss = Math.max(maxRss, await metricValue(sidecar, 'process_resident_memory_bytes'));
  const indexed = await metricValue(sidecar, 'elkhound_queue_documents');
  const bulkRequests = await metricValue(sidecar, 'elkhound_bulk_send_duration_seconds_count');
  // CPU the sidecar used for the run (user + system, from /proc), to see its cost per document.
  const cpuSeconds = cpuSecondsOf(sidecar.child.pid as number) - sidecarBefore;
  await sidecar.stop();
  const sidecarRate = documents.length / elapsed;
  const perDocument = (seconds: number): number | null =>
    Number.isFinite(seconds) ? Math.round((seconds * 1e6) / documents.length) : null;
  await settle();
  const rawAfter = await rawRound('benchraw');
  const rawRate = (rawBefore.rate + rawAfter.rate) / 2;
  console.log(
    JSON.stringify(
      {
        documents: documents.length,
        requests: requestCount,
        spansPerRequest,
        rawBulkDocsPerSecond: Math.round(rawRate),
        rawBulkBeforeAndAfter: [Math.round(rawBefore.rate), Math.round(rawAfter.rate)],
        sidecarDocsPerSecond: Math.round(sidecarRate),
        ratio: Number((sidecarRate / rawRate).toFixed(3)),
        acceptSeconds: Number(((acceptedAt - started) / 1000).toFixed(2)),
        endToEndSeconds: Number(elapsed.toFixed(2)),
        refusedWith429: refused,
        queueLeft: indexed,
        sidecarBulkRequests: bulkRequests,
        sidecarMaxRssMiB: Math.round(maxRss / 1024 / 1024),
        sidecarCpuSeconds: Number(cpuSeconds.toFixed(2)),
        sidecarCpuMicrosecondsPerDocument: Math.round((cpuSeconds * 1e6) / documents.length),
        // Where the machine's cores went: Elasticsearch's CPU per document in the raw rounds and
        // in the sidecar's run, and the load generator's (this process) in the sidecar's run.
        elasticsearchCpuMicrosecondsPerDocument: {
          raw: perDocument((rawBefore.esCpuSeconds + rawAfter.esCpuSeconds) / 2),
          sidecarRun: perDocument(esSidecarCpu),
        },
        loadGeneratorCpuMicrosecondsPerDocument: perDocument((own.user + own.system) / 1e6),
      },
      null,
      2,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
