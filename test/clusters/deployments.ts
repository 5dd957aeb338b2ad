import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'elasticsearch.sh');

/**
 * The Elasticsearch deployments of the cluster suite, each started by scripts/elasticsearch.sh
 * on its own ports: ELKHOUND_CLUSTER_TEST_PORT (default 9240) is the three-node cluster's first
 * HTTP port (it takes PORT..PORT+2, transport +100), the secure node takes PORT+5.
 */
export const BASE_PORT = Number(process.env.ELKHOUND_CLUSTER_TEST_PORT ?? 9240);

export interface Deployment {
  port: number;
  /** Every node's URL. */
  urls: string[];
  secure: boolean;
  /** Secure: the CA file, its SHA-256 fingerprint and the `elastic` password. */
  caFile?: string;
  caFingerprint?: string;
  password?: string;
  /** Whether this run started it (and so stops it). */
  startedHere: boolean;
}

function script(
  port: number,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return run('bash', [SCRIPT, ...args], {
    env: { ...process.env, ELKHOUND_ES_PORT: String(port), ...env },
    timeout: 10 * 60_000,
  });
}

async function answers(port: number): Promise<boolean> {
  try {
    await script(port, ['status']);
    return true;
  } catch {
    return false;
  }
}

export async function startDeployment(options: {
  port: number;
  nodes?: number;
  secure?: boolean;
}): Promise<Deployment> {
  const startedHere = !(await answers(options.port));
  const env: Record<string, string> = {
    ELKHOUND_ES_NODES: String(options.nodes ?? 1),
    ELKHOUND_ES_HEAP: '512m',
  };
  if (options.secure) env.ELKHOUND_ES_SECURE = '1';
  let stdout: string;
  try {
    ({ stdout } = await script(options.port, ['start'], env));
  } catch (error) {
    throw new Error(
      `scripts/elasticsearch.sh could not start the deployment on port ${options.port}: ${(error as { stderr?: string }).stderr ?? String(error)}`,
    );
  }
  const urls = stdout.trim().split('\n').pop()!.split(',');
  const deployment: Deployment = {
    port: options.port,
    urls,
    secure: !!options.secure,
    startedHere,
  };
  if (options.secure) {
    deployment.caFile = (await script(options.port, ['ca-file'])).stdout.trim();
    deployment.caFingerprint = (await script(options.port, ['ca-fingerprint'])).stdout.trim();
    deployment.password = (await script(options.port, ['password'])).stdout.trim();
  }
  return deployment;
}

/**
 * The suite's two deployments, started side by side once (a cluster forms in about a minute on
 * two cores, a secure node in less: in parallel the suite waits for the slower only) and
 * stopped by the root hook at the end.
 */
let cluster: Promise<Deployment> | undefined;
let secure: Promise<Deployment> | undefined;

export function threeNodeCluster(): Promise<Deployment> {
  cluster ??= startDeployment({ port: BASE_PORT, nodes: 3 });
  return cluster;
}

export function secureNode(): Promise<Deployment> {
  secure ??= startDeployment({ port: BASE_PORT + 5, secure: true });
  return secure;
}

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    // Started, not awaited: each describe awaits its own; a failure is reported there.
    void threeNodeCluster().catch(() => undefined);
    void secureNode().catch(() => undefined);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(180_000);
    const started = [cluster, secure].filter(Boolean) as Array<Promise<Deployment>>;
    await Promise.all(
      started.map((deployment) => deployment.then(stopDeployment, () => undefined)),
    );
  },
};

export async function stopDeployment(deployment: Deployment | undefined): Promise<void> {
  if (deployment?.startedHere) await script(deployment.port, ['stop']);
}

export async function killNode(deployment: Deployment, index: number): Promise<void> {
  await script(deployment.port, ['kill-node', String(index)]);
}

export async function startNode(deployment: Deployment, index: number): Promise<void> {
  await script(deployment.port, ['start-node', String(index)]);
}

export async function restartNode(deployment: Deployment, index: number): Promise<void> {
  await script(deployment.port, ['restart-node', String(index)]);
}

/** A client of the official library as the deployment's superuser (`elastic` when secure). */
export function adminClient(deployment: Deployment): Client {
  return new Client({
    nodes: deployment.urls,
    ...(deployment.secure
      ? {
          auth: { username: 'elastic', password: deployment.password! },
          tls: { ca: readFileSync(deployment.caFile!) },
        }
      : {}),
  });
}

/** How many documents hold each value of `field` in `index`. */
export async function countsBy(
  client: Client,
  index: string,
  field: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  let response = await client.search<Record<string, unknown>>({
    index,
    size: 5000,
    scroll: '30s',
    _source: [field],
    query: { match_all: {} },
    ignore_unavailable: true,
    allow_no_indices: true,
  });
  while (response.hits.hits.length > 0) {
    for (const hit of response.hits.hits) {
      const value = field
        .split('.')
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown> | undefined)?.[key],
          hit._source,
        );
      if (typeof value === 'string') counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    if (!response._scroll_id) break;
    response = await client.scroll({ scroll_id: response._scroll_id, scroll: '30s' });
  }
  if (response._scroll_id)
    await client.clearScroll({ scroll_id: response._scroll_id }).catch(() => undefined);
  return counts;
}

/** "0 lost, 0 duplicated": the problems, empty when every acknowledged value is there once. */
export function lostOrDuplicated(
  acknowledged: Iterable<string>,
  counts: Map<string, number>,
): { lost: number; duplicated: number; examples: string[] } {
  let lost = 0;
  let duplicated = 0;
  const examples: string[] = [];
  for (const id of acknowledged) {
    const count = counts.get(id) ?? 0;
    if (count === 0) lost++;
    if (count !== 1 && examples.length < 10) examples.push(`${id}: ${count} documents`);
  }
  for (const [id, count] of counts) {
    if (count > 1) {
      duplicated++;
      if (examples.length < 10) examples.push(`${id}: ${count} documents`);
    }
  }
  return { lost, duplicated, examples };
}
