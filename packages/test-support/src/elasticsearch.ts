import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client, type ClientOptions } from '@elastic/elasticsearch';

const run = promisify(execFile);

export interface TestElasticsearch {
  url: string;
  version: string;
}

let pending: Promise<TestElasticsearch> | undefined;

/**
 * The Elasticsearch every test of this run talks to: the cluster named by `ELASTICSEARCH_URL`,
 * or else the node `scripts/elasticsearch.sh` starts (and `scripts/test.sh` stops at the end).
 * It never resolves to "no cluster": when none can be had it rejects with the reason, so the
 * tests that need it fail rather than skip.
 */
export function ensureElasticsearch(): Promise<TestElasticsearch> {
  pending ??= locate();
  return pending;
}

async function locate(): Promise<TestElasticsearch> {
  let url = process.env.ELASTICSEARCH_URL;
  if (!url) {
    const script = join(repositoryRoot(), 'scripts', 'elasticsearch.sh');
    try {
      const { stdout } = await run('bash', [script, 'start'], { timeout: 15 * 60_000 });
      url = stdout.trim().split('\n').pop() ?? '';
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(
        `No Elasticsearch for the tests: ELASTICSEARCH_URL is not set and ${script} could not start one.\n${detail}`,
      );
    }
    process.env.ELASTICSEARCH_URL = url;
  }
  const client = elasticsearchClient();
  try {
    // `GET /` is not served by the integ-test distribution (no rest-root module): ask the nodes.
    const nodes = await client.nodes.info({ node_id: '_local', metric: '_none' });
    const version = Object.values(nodes.nodes)[0]?.version ?? 'unknown';
    return { url, version };
  } catch (error) {
    throw new Error(`Elasticsearch at ${url} does not answer: ${(error as Error).message}`);
  } finally {
    await client.close();
  }
}

/** Connection options for the test cluster, with the same auth variables the product reads. */
export function elasticsearchClientOptions(): ClientOptions {
  const node = process.env.ELASTICSEARCH_URL;
  if (!node) throw new Error('ELASTICSEARCH_URL is not set: call ensureElasticsearch() first');
  const options: ClientOptions = { node };
  if (process.env.ELASTICSEARCH_API_KEY) {
    options.auth = { apiKey: process.env.ELASTICSEARCH_API_KEY };
  } else if (process.env.ELASTICSEARCH_USERNAME) {
    options.auth = {
      username: process.env.ELASTICSEARCH_USERNAME,
      password: process.env.ELASTICSEARCH_PASSWORD ?? '',
    };
  }
  return options;
}

export function elasticsearchClient(): Client {
  return new Client(elasticsearchClientOptions());
}

function repositoryRoot(): string {
  let directory = __dirname;
  while (!existsSync(join(directory, 'scripts', 'elasticsearch.sh'))) {
    const parent = dirname(directory);
    if (parent === directory)
      throw new Error('cannot find the repository root (scripts/elasticsearch.sh)');
    directory = parent;
  }
  return directory;
}
