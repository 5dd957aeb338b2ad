// End to end: OTLP/HTTP protobuf load (a bounded generator on loopback) → `elkhound sidecar`
// (a real child process: receive, map, fsynced queue, bulk) → the real Elasticsearch, in
// documents per second, against a raw `_bulk` of the same pre-serialised documents on the same
// node in the same run; and the sidecar's RSS at saturation (sampled from its /metrics).
// Run: ELASTICSEARCH_URL=http://127.0.0.1:9200 npm run bench -w @elkhound/sidecar [requests] [spans per request]
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
  const rawRound = async (prefix: string): Promise<{ rate: number; documents: number }> => {
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
    return { rate: await rawBulk(bodies, documents.length), documents: documents.length };
  };
  // A node just started (as in CI) is slow at first: one round warms it and is not counted; the
  // raw rate is then taken before and after the sidecar's run and averaged.
  await rawRound('benchwarm');
  const rawBefore = await rawRound('benchraw');
  const documents = { length: rawBefore.documents };

  const namespace = uniqueNamespace('benchside');
  const sidecar = await spawnSidecar({
    ELASTICSEARCH_URL: url,
    ELKHOUND_NAMESPACE: namespace,
    ELKHOUND_BULK_GZIP: process.env.ELKHOUND_BULK_GZIP ?? 'true',
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
  await waitForDrain(sidecar, 300_000);
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  maxRss = Math.max(maxRss, await metricValue(sidecar, 'process_resident_memory_bytes'));
  const indexed = await metricValue(sidecar, 'elkhound_queue_documents');
  // CPU the sidecar used for the run (user + system, from /proc), to see its cost per document.
  const stat =
    (await import('node:fs'))
      .readFileSync(`/proc/${sidecar.child.pid}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ') ?? [];
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
  await sidecar.stop();
  const sidecarRate = documents.length / elapsed;
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
        sidecarMaxRssMiB: Math.round(maxRss / 1024 / 1024),
        sidecarCpuSeconds: cpuSeconds,
        sidecarCpuMicrosecondsPerDocument: Math.round((cpuSeconds * 1e6) / documents.length),
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
