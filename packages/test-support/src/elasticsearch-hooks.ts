// Mocha global fixture: load with `--require @elkhound/test-support/elasticsearch-hooks` in a
// package whose tests need the real Elasticsearch. A cluster that cannot be had fails the run.
import { ensureElasticsearch } from './elasticsearch';

export async function mochaGlobalSetup(): Promise<void> {
  const { url, version } = await ensureElasticsearch();
  console.log(`Elasticsearch ${version} at ${url}`);
}
