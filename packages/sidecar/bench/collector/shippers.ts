// The side-by-side bench's moving parts: the shippers (Elkhound's sidecar, the Collector in one of
// its configurations) started for one phase, and what the bench asks Elasticsearch.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSidecar, uniqueNamespace, waitForDrain } from '../../test/support/sidecar-process';
import {
  COLLECTOR_DATA_STREAM_PREFIX,
  collectorConfig,
  type CollectorMode,
  type CollectorQueue,
} from './collector-config';

export type Signal = 'traces' | 'logs';

const url = (): string => process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';

export interface Shipper {
  name: string;
  collector?: { mode: CollectorMode; queue: CollectorQueue };
  /** A sidecar of another build (its `bin/elkhound.js`), e.g. main's, to compare with this one. */
  bin?: string;
  /** NODE_OPTIONS of this sidecar, instead of SIDECAR_NODE_OPTIONS. */
  nodeOptions?: string;
}
export const allShippers: Shipper[] = [
  { name: 'elkhound' },
  { name: 'collector-ecs-memory', collector: { mode: 'ecs', queue: 'memory' } },
  { name: 'collector-ecs-fsync', collector: { mode: 'ecs', queue: 'fsync' } },
  { name: 'collector-otel-memory', collector: { mode: 'otel', queue: 'memory' } },
  { name: 'collector-otel-fsync', collector: { mode: 'otel', queue: 'fsync' } },
  // BENCH_SIDECAR_BASELINE=<other worktree>/packages/sidecar/bin/elkhound.js: that build's sidecar
  // too, interleaved with this one's in the same run (before/after on a shared machine).
  ...(process.env.BENCH_SIDECAR_BASELINE
    ? [
        {
          name: 'elkhound-baseline',
          bin: process.env.BENCH_SIDECAR_BASELINE,
          // BENCH_SIDECAR_BASELINE_NODE_OPTIONS: Node flags of that sidecar (this build's own bin
          // with other flags compares the flags).
          nodeOptions: process.env.BENCH_SIDECAR_BASELINE_NODE_OPTIONS,
        },
      ]
    : []),
];

/** A shipper started for one phase. */
export interface Running {
  pid: number;
  endpoint: string;
  dataStream: string;
  /** Resolves once the shipper says every accepted document is acknowledged (if it can say). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

export function post(
  target: string,
  body: Buffer,
  contentType = 'application/x-protobuf',
): Promise<{ status: number; body: string }> {
  const address = new URL(target);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname: address.hostname,
        port: address.port,
        path: address.pathname,
        method: 'POST',
        headers: { 'content-type': contentType, 'content-length': body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export async function elasticsearch<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, url()), {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`collector exited: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`collector did not listen within 30 s: ${output()}`);
}

export async function startCollector(
  binary: string,
  setup: { mode: CollectorMode; queue: CollectorQueue },
  signal: Signal,
): Promise<Running> {
  const directory = mkdtempSync(join(tmpdir(), 'elkhound-bench-otelcol-'));
  const httpPort = await freePort();
  const dataStream = `${signal}-${COLLECTOR_DATA_STREAM_PREFIX}${setup.mode}-${uniqueNamespace(setup.queue)}`;
  const configPath = join(directory, 'config.yaml');
  writeFileSync(
    configPath,
    collectorConfig({
      ...setup,
      elasticsearchUrl: url(),
      httpPort,
      storageDirectory: join(directory, 'storage'),
      tracesDataStream: signal === 'traces' ? dataStream : `traces-unused-${httpPort}`,
      logsDataStream: signal === 'logs' ? dataStream : `logs-unused-${httpPort}`,
    }),
  );
  const child = spawn(binary, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await waitForPort(httpPort, child, () => output);
  return {
    pid: child.pid as number,
    endpoint: `http://127.0.0.1:${httpPort}/v1/${signal}`,
    dataStream,
    // The Collector has no "queue empty" to ask: the count in Elasticsearch says when it is done.
    drained: () => Promise.resolve(),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      if (/error/i.test(output)) console.error(`collector said:\n${output.slice(0, 3000)}`);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export async function startSidecar(
  signal: Signal,
  bin?: string,
  nodeOptions?: string,
): Promise<Running> {
  const namespace = uniqueNamespace('sidebyside');
  const sidecar = await spawnSidecar(
    {
      ELASTICSEARCH_URL: url(),
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_BULK_CONCURRENCY: process.env.ELKHOUND_BULK_CONCURRENCY ?? '2',
      NODE_OPTIONS: nodeOptions ?? process.env.SIDECAR_NODE_OPTIONS ?? '--max-semi-space-size=16',
    },
    undefined,
    bin,
  );
  return {
    pid: sidecar.child.pid as number,
    endpoint: sidecar.url(`/v1/${signal}`),
    dataStream: `${signal}-elkhound-${namespace}`,
    drained: () => waitForDrain(sidecar, 600_000, 50),
    stop: async () => {
      await sidecar.stop();
      rmSync(sidecar.dataDirectory, { recursive: true, force: true });
    },
  };
}

export async function documentCount(dataStream: string): Promise<number> {
  try {
    const answer = await elasticsearch<{ count: number }>(
      'POST',
      `/${dataStream}/_count?ignore_unavailable=true&allow_no_indices=true`,
    );
    return answer.count;
  } catch {
    // A data stream created a moment ago answers 503 until its shard has started.
    return 0;
  }
}

/** Waits until `expected` documents are searchable, or the count stops moving for 30 s. */
export async function waitForCount(dataStream: string, expected: number): Promise<number> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = await documentCount(dataStream);
    if (count >= expected) return count;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 30_000) return count;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The field holding `bench.id` in a shipper's documents (each maps unknown attributes its way). */
async function benchIdField(dataStream: string): Promise<string> {
  // span.id: the end-to-end bench's spans have no bench.id (each of its traces is one span).
  for (const field of ['labels.bench_id', 'bench.id', 'attributes.bench.id', 'span.id']) {
    const answer = await elasticsearch<{ count: number }>('POST', `/${dataStream}/_count`, {
      query: { exists: { field } },
    });
    if (answer.count > 0) return field;
  }
  throw new Error(`no bench.id field in ${dataStream}`);
}

/** Distinct `bench.id`s and the documents beyond the first of each (duplicates). */
export async function distinctAndDuplicates(
  dataStream: string,
  total: number,
): Promise<{ distinct: number; duplicates: number }> {
  await elasticsearch('POST', `/${dataStream}/_refresh`);
  const field = await benchIdField(dataStream);
  const answer = await elasticsearch<{
    aggregations: { repeated: { buckets: { doc_count: number }[] } };
  }>('POST', `/${dataStream}/_search`, {
    size: 0,
    aggs: { repeated: { terms: { field, min_doc_count: 2, size: 10_000 } } },
  });
  const duplicates = answer.aggregations.repeated.buckets.reduce(
    (sum, bucket) => sum + bucket.doc_count - 1,
    0,
  );
  return { distinct: total - duplicates, duplicates };
}
