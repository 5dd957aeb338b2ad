import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { exactlyOnce, LoadGenerator, spanIdCounts } from './support/load';
import { makeSpans, traceRequestProtobuf } from './support/requests';
import {
  metricValue,
  spawnSidecar,
  temporaryDirectory,
  uniqueNamespace,
  waitForDrain,
  type SidecarProcess,
} from './support/sidecar-process';
import { TcpProxy } from './support/tcp-proxy';

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

async function waitForReady(sidecar: SidecarProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await fetch(sidecar.url('/readyz'))).status === 200) return;
    await sleep(100);
  }
  throw new Error('the sidecar never became ready');
}

function elasticsearchUrl(): URL {
  return new URL(process.env.ELASTICSEARCH_URL as string);
}

describe('durability against the real Elasticsearch', function () {
  this.timeout(120_000);
  const running: SidecarProcess[] = [];
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const sidecar of running.splice(0)) await sidecar.stop('SIGKILL');
    for (const proxy of proxies.splice(0)) await proxy.stop();
  });

  it('Elasticsearch unreachable for 30 s under steady load: every acknowledged span indexed exactly once', async () => {
    const proxy = new TcpProxy(elasticsearchUrl());
    proxies.push(proxy);
    await proxy.start();
    const namespace = uniqueNamespace('outage');
    const sidecar = await spawnSidecar({
      ELASTICSEARCH_URL: proxy.url,
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_RETRY_MAX_DELAY_MS: '2000',
    });
    running.push(sidecar);
    const load = new LoadGenerator(() => sidecar.url('/v1/traces'), {
      spansPerRequest: 20,
      intervalMs: 50,
      serviceName: 'outage',
    });
    load.start();
    await sleep(3_000);
    await proxy.stop();
    const downAt = Date.now();
    await sleep(30_000);
    const queuedWhileDown = await metricValue(sidecar, 'elkhound_queue_documents');
    assert.equal(
      (await fetch(sidecar.url('/readyz'))).status,
      503,
      'not ready while Elasticsearch is away',
    );
    await proxy.start();
    const downFor = Date.now() - downAt;
    await sleep(3_000);
    await load.stop();
    await waitForDrain(sidecar, 60_000);

    assert.ok(downFor >= 30_000);
    assert.ok(
      queuedWhileDown > 1000,
      `the queue held ${queuedWhileDown} documents during the outage`,
    );
    assert.ok(load.acknowledged.size > 5000, `${load.acknowledged.size} spans acknowledged`);
    assert.equal(
      load.statuses.get('200'),
      [...load.statuses.values()].reduce((sum, value) => sum + value, 0),
      'every request accepted while the budget lasted',
    );
    assert.ok((await metricValue(sidecar, 'elkhound_documents_retried_total')) > 0);
    assert.deepEqual(
      exactlyOnce(load.acknowledged, await spanIdCounts(`traces-elkhound-${namespace}`)),
      [],
    );
    assert.equal(await sidecar.stop(), 0);
  });

  it('SIGKILL under load, restart on the same data directory: every acknowledged span indexed exactly once', async () => {
    const namespace = uniqueNamespace('sigkill');
    const dataDirectory = temporaryDirectory('sigkill');
    const environment = {
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
      ELKHOUND_NAMESPACE: namespace,
      // Small bulk requests: many batches are in flight or half-committed when the kill lands.
      ELKHOUND_BULK_FLUSH_BYTES: '64KiB',
    };
    let sidecar = await spawnSidecar(environment, dataDirectory);
    running.push(sidecar);
    const load = new LoadGenerator(() => sidecar.url('/v1/traces'), {
      spansPerRequest: 25,
      intervalMs: 10,
      serviceName: 'sigkill',
    });
    load.start();
    await sleep(4_000);
    const queuedAtKill = await metricValue(sidecar, 'elkhound_queue_documents');
    assert.equal(await sidecar.stop('SIGKILL'), 'SIGKILL');
    await sleep(500);
    sidecar = await spawnSidecar(environment, dataDirectory);
    running.push(sidecar);
    await sleep(2_000);
    await load.stop();
    await waitForDrain(sidecar, 60_000);
    assert.ok(load.acknowledged.size > 2000, `${load.acknowledged.size} spans acknowledged`);
    assert.ok(
      (load.statuses.get('network error') ?? 0) + queuedAtKill > 0,
      'the kill landed while work was in flight',
    );
    assert.deepEqual(
      exactlyOnce(load.acknowledged, await spanIdCounts(`traces-elkhound-${namespace}`)),
      [],
    );
  });

  it('SIGTERM while Elasticsearch is away: exits within the shutdown timeout, the next start sends what was left', async () => {
    const proxy = new TcpProxy(elasticsearchUrl());
    proxies.push(proxy);
    await proxy.start();
    const namespace = uniqueNamespace('sigterm');
    const dataDirectory = temporaryDirectory('sigterm');
    const environment = {
      ELASTICSEARCH_URL: proxy.url,
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_SHUTDOWN_TIMEOUT_MS: '2000',
    };
    const first = await spawnSidecar(environment, dataDirectory);
    running.push(first);
    await waitForReady(first);
    await proxy.stop();
    const load = new LoadGenerator(() => first.url('/v1/traces'), {
      spansPerRequest: 10,
      intervalMs: 0,
      serviceName: 'sigterm',
    });
    for (let index = 0; index < 20; index++) assert.equal(await load.sendOne(), 200);
    const stoppedAt = Date.now();
    assert.equal(await first.stop('SIGTERM'), 0);
    assert.ok(Date.now() - stoppedAt < 8_000, 'the shutdown timeout bounds the exit');
    assert.ok(
      first.lines.some(
        (line) =>
          line.includes('"elkhound sidecar stopped"') &&
          !line.includes('"elkhound.queue.documents":0'),
      ),
      first.lines.join('\n'),
    );

    proxy.port = Number(new URL(proxy.url).port);
    await proxy.start();
    const second = await spawnSidecar(environment, dataDirectory);
    running.push(second);
    await waitForDrain(second, 60_000);
    assert.deepEqual(
      exactlyOnce(load.acknowledged, await spanIdCounts(`traces-elkhound-${namespace}`)),
      [],
    );
    assert.equal(load.acknowledged.size, 200);
  });

  it('disk budget full while Elasticsearch is away: 429 with Retry-After and RESOURCE_EXHAUSTED, nothing acknowledged lost, service resumes', async () => {
    const proxy = new TcpProxy(elasticsearchUrl());
    proxies.push(proxy);
    await proxy.start();
    const port = proxy.port;
    await proxy.stop(); // Elasticsearch "down" from the start: the queue can only fill.
    const namespace = uniqueNamespace('budget');
    const sidecar = await spawnSidecar({
      ELASTICSEARCH_URL: `http://127.0.0.1:${port}`,
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_QUEUE_MAX_BYTES: '256KiB',
      ELKHOUND_RETRY_MAX_DELAY_MS: '1000',
    });
    running.push(sidecar);
    const load = new LoadGenerator(() => sidecar.url('/v1/traces'), {
      spansPerRequest: 10,
      intervalMs: 0,
      serviceName: 'budget',
    });
    let status = 0;
    for (let attempt = 0; attempt < 500 && status !== 429; attempt++) status = await load.sendOne();
    assert.equal(status, 429);
    assert.equal(load.retryAfter, '5');
    assert.ok(load.acknowledged.size > 0);

    const client = new grpc.Client(
      `127.0.0.1:${sidecar.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    const grpcError = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        traceRequestProtobuf(makeSpans(10)),
        (error) => resolve(error),
      ),
    );
    client.close();
    assert.equal(grpcError?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.ok(
      grpcError?.metadata.get('grpc-status-details-bin').length,
      'RetryInfo in the status details',
    );

    // Elasticsearch back on the same address: the templates go in, the queue drains.
    proxy.port = port;
    await proxy.start();
    await waitForDrain(sidecar, 60_000);
    assert.equal(await load.sendOne(), 200);
    await waitForDrain(sidecar, 30_000);
    assert.deepEqual(
      exactlyOnce(load.acknowledged, await spanIdCounts(`traces-elkhound-${namespace}`)),
      [],
    );
  });
});
