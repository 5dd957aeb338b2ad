import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchSpanExporter, setupElasticsearch } from '@elkhound/exporter-elasticsearch';
import { LoadGenerator } from '../../packages/sidecar/test/support/load';
import { makeSpans } from '../../packages/sidecar/test/support/requests';
import {
  metricValue,
  spawnSidecar,
  uniqueNamespace,
  waitForDrain,
} from '../../packages/sidecar/test/support/sidecar-process';
import {
  adminClient,
  countsBy,
  killNode,
  lostOrDuplicated,
  restartNode,
  startNode,
  threeNodeCluster,
  type Deployment,
} from './deployments';

/**
 * A three-node cluster on loopback under steady load from the sidecar (OTLP/HTTP) and from the
 * in-process span exporter, both given all three URLs. Every span acknowledged to its client
 * (a 2xx OTLP answer; an export called back SUCCESS) must be in Elasticsearch exactly once.
 */
describe('a three-node cluster under load: a node killed, a rolling restart', function () {
  let deployment: Deployment;
  let admin: Client;

  before(async function () {
    this.timeout(10 * 60_000);
    deployment = await threeNodeCluster();
    admin = adminClient(deployment);
    await setupElasticsearch({ url: deployment.urls });
  });

  after(async () => {
    await admin?.close();
  });

  it('SIGKILL of the elected master, then its restart: 0 lost, 0 duplicated, writes go on through the other nodes', async function () {
    this.timeout(5 * 60_000);
    const master = await masterIndex();
    const result = await underLoad('kill', async () => {
      await killNode(deployment, master);
      // Long enough for the cluster to notice, elect, promote replicas and for writes to go on.
      await delay(8_000);
      await startNode(deployment, master);
    });
    console.log(
      `      node ${master} (master) killed and restarted: longest stall sidecar ${result.sidecarStallMs} ms, ` +
        `in-process exporter ${result.exporterStallMs} ms; ${result.sidecarSpans} + ${result.exporterSpans} spans, ` +
        `${result.exporterFailures} export(s) failed`,
    );
  });

  it('a rolling restart of all three nodes: 0 lost, 0 duplicated', async function () {
    this.timeout(8 * 60_000);
    const result = await underLoad('rolling', async () => {
      for (let index = 0; index < 3; index++) {
        // One node at a time, each only once the cluster is whole again: a rolling restart.
        await admin.cluster.health({ wait_for_status: 'green', timeout: '120s' });
        await restartNode(deployment, index);
      }
    });
    console.log(
      `      rolling restart: longest stall sidecar ${result.sidecarStallMs} ms, in-process exporter ` +
        `${result.exporterStallMs} ms; ${result.sidecarSpans} + ${result.exporterSpans} spans, ` +
        `${result.exporterFailures} export(s) failed`,
    );
  });

  async function masterIndex(): Promise<number> {
    const [master] = await admin.cat.master({ format: 'json' });
    const name = (master as { node?: string }).node ?? '';
    const index = Number(name.slice(name.lastIndexOf('-') + 1));
    assert.ok(index >= 0 && index < 3, `master ${name} is not one of ours`);
    return index;
  }

  async function underLoad(
    prefix: string,
    disrupt: () => Promise<void>,
  ): Promise<{
    sidecarStallMs: number;
    exporterStallMs: number;
    sidecarSpans: number;
    exporterSpans: number;
    exporterFailures: number;
  }> {
    const namespace = uniqueNamespace(prefix);
    const sidecar = await spawnSidecar({
      ELASTICSEARCH_URL: deployment.urls.join(','),
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_RETRY_MAX_DELAY_MS: '1000',
      ELASTICSEARCH_REQUEST_TIMEOUT_MS: '5000',
    });
    const exporter = new ElasticsearchSpanExporter({
      connection: { url: deployment.urls, requestTimeoutMs: 5_000 },
      namespace: `${namespace}x`,
      setup: false,
    });
    const load = new LoadGenerator(() => sidecar.url('/v1/traces'), {
      spansPerRequest: 10,
      intervalMs: 50,
      serviceName: `${prefix}-sidecar`,
    });
    const exporting = new ExportLoop(exporter);
    const sidecarWatch = new ProgressWatch(() =>
      metricValue(sidecar, 'elkhound_documents_total{outcome="indexed"}'),
    );
    try {
      load.start();
      exporting.start();
      sidecarWatch.start();
      // A production cluster is green before a node dies: the new data streams' replicas are
      // in sync, so a primary lost with its node is replaced by its replica at once.
      await delay(2_000);
      await admin.cluster.health({ wait_for_status: 'green', timeout: '120s' });
      await disrupt();
      await delay(3_000);
      await Promise.all([load.stop(), exporting.stop()]);
      sidecarWatch.stop();
      await waitForDrain(sidecar, 120_000);
      assert.equal(
        await metricValue(sidecar, 'elkhound_documents_total{outcome="dead_lettered"}'),
        0,
      );
    } finally {
      sidecarWatch.stop();
      await sidecar.stop();
      await exporter.shutdown();
    }
    const noProblem = { lost: 0, duplicated: 0, examples: [] };
    const sidecarCounts = await countsBy(admin, `traces-elkhound-${namespace}`, 'span.id');
    assert.deepEqual(lostOrDuplicated(load.acknowledged, sidecarCounts), noProblem, 'sidecar');
    const exporterCounts = await countsBy(admin, `traces-elkhound-${namespace}x`, 'span.id');
    assert.deepEqual(
      lostOrDuplicated(exporting.acknowledged, exporterCounts),
      noProblem,
      'exporter',
    );
    assert.ok(load.acknowledged.size >= 500, `sidecar: only ${load.acknowledged.size} spans`);
    assert.ok(
      exporting.acknowledged.size >= 200,
      `exporter: only ${exporting.acknowledged.size} spans in ${exporting.exports} exports, the longest ` +
        `${exporting.longestExportMs} ms, ${exporting.failures} failed: ${exporting.failureMessages.join(' | ')}`,
    );
    return {
      sidecarStallMs: sidecarWatch.longestStallMs,
      exporterStallMs: exporting.longestExportMs,
      sidecarSpans: load.acknowledged.size,
      exporterSpans: exporting.acknowledged.size,
      exporterFailures: exporting.failures,
    };
  }
});

/** The in-process exporter as the SDK's batch processor drives it: one export at a time. */
class ExportLoop {
  readonly acknowledged = new Set<string>();
  failures = 0;
  readonly failureMessages: string[] = [];
  longestExportMs = 0;
  exports = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly exporter: ElasticsearchSpanExporter) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const spans = makeSpans(10, 'exporter');
      const started = Date.now();
      const code = await new Promise<number>((resolve) =>
        this.exporter.export(spans, (result) => {
          if (result.error && this.failureMessages.length < 3) {
            this.failureMessages.push(result.error.message);
          }
          resolve(result.code);
        }),
      );
      this.exports++;
      this.longestExportMs = Math.max(this.longestExportMs, Date.now() - started);
      if (code === EXPORT_SUCCESS) {
        for (const span of spans) this.acknowledged.add(span.spanContext().spanId);
      } else {
        this.failures++;
      }
      await delay(50);
    }
  }
}

/** The longest time a counter did not move while it was watched: the sidecar's write stall. */
class ProgressWatch {
  longestStallMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private last = -1;
  private lastChange = Date.now();

  constructor(private readonly read: () => Promise<number>) {}

  start(): void {
    this.lastChange = Date.now();
    this.timer = setInterval(() => {
      void this.read().then(
        (value) => {
          const now = Date.now();
          if (value !== this.last) {
            this.last = value;
            this.lastChange = now;
          }
          this.longestStallMs = Math.max(this.longestStallMs, now - this.lastChange);
        },
        () => undefined,
      );
    }, 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

// ExportResultCode.SUCCESS of @opentelemetry/core (not a dependency of this workspace).
const EXPORT_SUCCESS = 0;

const delay = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
