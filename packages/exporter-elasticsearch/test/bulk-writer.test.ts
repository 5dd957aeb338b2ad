import assert from 'node:assert/strict';
import net from 'node:net';
import type { EcsDocument } from '@elkhound/ecs';
import { elasticsearchClient } from '@elkhound/test-support';
import type { Client } from '@elastic/elasticsearch';
import { BulkWriter, setupElasticsearch, type RejectedDocument } from '../src';
import { FaultProxy } from './fault-proxy';

const url = () => process.env.ELASTICSEARCH_URL as string;

function documents(namespace: string, count: number, prefix = 'doc'): EcsDocument[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index}`,
    dataStream: `logs-elkhound-${namespace}`,
    source: JSON.stringify({
      '@timestamp': new Date(Date.UTC(2026, 10, 22, 10, 0, index)).toISOString(),
      message: `document ${index} «ünïcode»`,
      trace: { id: '0af7651916cd43dd8448eb211c80319c' },
      numeric_labels: { index },
    }),
  }));
}

/** A loopback URL nothing listens on: connections are refused, as with a killed node. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function count(client: Client, dataStream: string): Promise<number> {
  await client.indices.refresh({ index: dataStream });
  return (await client.count({ index: dataStream })).count;
}

describe('BulkWriter against the real Elasticsearch', function () {
  this.timeout(120_000);
  let client: Client;
  let namespace: string;
  before(async () => {
    client = elasticsearchClient();
    await setupElasticsearch({ url: url() });
  });
  beforeEach(() => {
    namespace = `bw${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  });
  after(() => client.close());

  it('indexes every document once; a replay of the same ids only yields duplicates', async () => {
    const writer = new BulkWriter({ connection: { url: url() }, flushBytes: 4096 });
    const batch = documents(namespace, 120);
    const first = await writer.send(batch);
    assert.deepEqual(
      {
        acknowledged: first.acknowledged,
        duplicates: first.duplicates,
        rejected: first.rejected.length,
      },
      { acknowledged: 120, duplicates: 0, rejected: 0 },
    );
    assert.ok(
      writer.stats.bulkRequests > 1,
      'flushBytes of 4 KiB splits 120 documents into several bulk requests',
    );
    const replay = await writer.send(batch);
    assert.equal(replay.acknowledged, 120);
    assert.equal(replay.duplicates, 120);
    assert.equal(await count(client, `logs-elkhound-${namespace}`), 120);
    const found = await client
      .get<{ message: string }>({
        index: `logs-elkhound-${namespace}`,
        id: 'doc-7',
      })
      .catch(async () => {
        const search = await client.search<{ message: string }>({
          index: `logs-elkhound-${namespace}`,
          query: { ids: { values: ['doc-7'] } },
        });
        return { _source: search.hits.hits[0]?._source };
      });
    assert.equal(found._source?.message, 'document 7 «ünïcode»');
    await writer.close();
  });

  it('rejects only the document with a mapping conflict, with the reason and a hint', async () => {
    const rejectedSeen: RejectedDocument[] = [];
    const writer = new BulkWriter({
      connection: { url: url() },
      onRejected: (r) => rejectedSeen.push(...r),
    });
    const batch = documents(namespace, 5);
    const bad: EcsDocument = {
      id: 'bad-0',
      dataStream: `logs-elkhound-${namespace}`,
      source: JSON.stringify({
        '@timestamp': '2026-11-22T10:00:00Z',
        event: { duration: 'not a number' },
      }),
    };
    const outcome = await writer.send([...batch.slice(0, 2), bad, ...batch.slice(2)]);
    assert.equal(outcome.acknowledged, 5);
    assert.equal(outcome.rejected.length, 1);
    const [rejected] = outcome.rejected;
    assert.equal(rejected?.document.id, 'bad-0');
    assert.equal(rejected?.status, 400);
    assert.equal(rejected?.errorType, 'document_parsing_exception');
    assert.match(rejected?.reason ?? '', /event\.duration/);
    assert.match(rejected?.hint ?? '', /mapping conflict/);
    assert.deepEqual(
      rejectedSeen.map((r) => r.document.id),
      ['bad-0'],
    );
    assert.equal(await count(client, `logs-elkhound-${namespace}`), 5);
    await writer.close();
  });

  it('writes every document when one of the two listed nodes is dead, failing over without backoff', async () => {
    const dead = await closedPort();
    for (const nodes of [
      [dead, url()],
      [url(), dead],
    ]) {
      const retries: string[] = [];
      const writer = new BulkWriter({
        connection: { url: nodes },
        flushBytes: 2048,
        concurrency: 2,
        onRetry: (event) => retries.push(event.cause),
      });
      const prefix = `n${nodes.indexOf(dead)}`;
      const outcome = await writer.send(documents(namespace, 150, prefix));
      const later = await writer.send(documents(namespace, 50, `${prefix}-later`));
      await writer.close();
      assert.equal(outcome.acknowledged, 150);
      assert.equal(later.acknowledged, 50);
      assert.equal(outcome.unsent.length + later.unsent.length, 0);
      assert.equal(outcome.duplicates + later.duplicates, 0);
      // The client's pool tried the dead node, marked it dead and sent the same body to the live
      // one at once: no request came back to Elkhound's backoff.
      assert.deepEqual(retries, []);
      assert.ok(writer.stats.bulkRequests > 4);
    }
    assert.equal(await count(client, `logs-elkhound-${namespace}`), 400);
  });

  it('marks a failing node dead: the requests after it go to the live node only', async () => {
    // A node that takes connections and drops them at once (as one that is going down).
    let attempts = 0;
    const failing = net.createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const failingUrl = `http://127.0.0.1:${(failing.address() as net.AddressInfo).port}`;
    const writer = new BulkWriter({
      connection: { url: [failingUrl, url()] },
      flushBytes: 2048,
      concurrency: 1,
    });
    try {
      const outcome = await writer.send(documents(namespace, 100, 'dead'));
      assert.equal(outcome.acknowledged, 100);
      assert.ok(writer.stats.bulkRequests >= 10, 'many requests, round robin over two nodes');
      // Round robin alone would send every other request to it; marked dead, it is left alone
      // until the pool pings it again (60 s later).
      assert.equal(attempts, 1);
    } finally {
      await writer.close();
      failing.close();
    }
    assert.equal(await count(client, `logs-elkhound-${namespace}`), 100);
  });

  it('survives 429 with Retry-After, 503, 401, per-item 429, dropped connections and a node that never answers: each document exactly once', async () => {
    const proxy = new FaultProxy(url());
    await proxy.start();
    proxy.faults.push(
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 401 },
      { kind: 'item-429' },
      { kind: 'drop-after-forward' },
      { kind: 'drop-before-forward' },
      { kind: 'hang' },
      { kind: 'item-429' },
    );
    const retries: string[] = [];
    const writer = new BulkWriter({
      connection: { url: proxy.url, requestTimeoutMs: 1500 },
      flushBytes: 2048,
      concurrency: 1,
      retry: { initialDelayMs: 5, maxDelayMs: 50, maxRetries: Infinity, maxElapsedMs: Infinity },
      onRetry: (event) => retries.push(event.cause),
    });
    const batch = documents(namespace, 60);
    const outcome = await writer.send(batch);
    await proxy.stop();
    assert.equal(outcome.acknowledged, 60);
    assert.equal(outcome.rejected.length, 0);
    assert.equal(outcome.unsent.length, 0);
    assert.ok(
      outcome.duplicates >= 1,
      'the batch indexed before its answer was dropped comes back as 409s',
    );
    assert.ok(retries.some((cause) => cause.includes('429')));
    assert.ok(retries.some((cause) => cause.includes('503')));
    assert.ok(retries.some((cause) => cause.includes('refused the credentials (401')));
    assert.ok(retries.some((cause) => cause.startsWith('network')));
    assert.ok(retries.some((cause) => cause.includes('no answer within 1500 ms')));
    assert.ok(retries.some((cause) => cause.includes('document(s) answered 429/5xx')));
    assert.equal(await count(client, `logs-elkhound-${namespace}`), 60);
    const ids = await client.search({
      index: `logs-elkhound-${namespace}`,
      size: 100,
      _source: false,
      query: { match_all: {} },
    });
    assert.deepEqual(
      ids.hits.hits.map((hit) => hit._id).sort(),
      batch.map((document) => document.id).sort(),
    );
    await writer.close();
  });

  it('add() gathers calls into shared bulk requests by time and bytes; each call gets its own outcome', async () => {
    const dataStream = `logs-elkhound-${namespace}`;
    const writer = new BulkWriter({ connection: { url: url() }, flushIntervalMs: 100 });
    const calls = Array.from({ length: 10 }, (_, call) =>
      writer.add(documents(namespace, 3, `call${call}`)),
    );
    const bad: EcsDocument = {
      id: 'bad-add',
      dataStream,
      source: JSON.stringify({ '@timestamp': '2026-11-22T10:00:00Z', trace: { id: { no: 1 } } }),
    };
    calls.push(writer.add([bad, ...documents(namespace, 1, 'with-bad')]));
    const outcomes = await Promise.all(calls);
    assert.equal(writer.stats.bulkRequests, 1, 'eleven calls within the interval: one request');
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.acknowledged, outcome.rejected.length]),
      [...Array.from({ length: 10 }, () => [3, 0]), [1, 1]],
    );
    assert.equal(outcomes[10]?.rejected[0]?.document.id, 'bad-add');

    // Reaching flushBytes sends at once, without waiting for the (here very long) interval.
    const bySize = new BulkWriter({
      connection: { url: url() },
      flushIntervalMs: 3_600_000,
      flushBytes: 2048,
      // The test cluster is on loopback, where the default is not to compress.
      gzip: true,
    });
    const started = Date.now();
    const sized = await bySize.add(documents(namespace, 30, 'sized'));
    assert.equal(sized.acknowledged, 30);
    assert.ok(Date.now() - started < 10_000);
    assert.ok(bySize.stats.bulkRequests > 1);
    assert.ok(bySize.stats.sentBytes < bySize.stats.bodyBytes, 'gzip shrinks the bodies');

    // close() sends what is still buffered, is idempotent, and refuses new documents.
    const buffered = bySize.add(documents(namespace, 2, 'at-close'));
    await Promise.all([bySize.close(), bySize.close()]);
    assert.equal((await buffered).acknowledged, 2);
    await assert.rejects(bySize.add(documents(namespace, 1, 'late')), /closed/);
    await assert.rejects(bySize.send(documents(namespace, 1, 'late')), /closed/);
    await writer.close();
    assert.equal(await count(client, dataStream), 30 + 1 + 30 + 2);
  });

  it('gives up after a finite retry policy and returns the documents it could not send', async () => {
    const proxy = new FaultProxy(url());
    await proxy.start();
    for (let index = 0; index < 10; index++) proxy.faults.push({ kind: 'status', status: 503 });
    const writer = new BulkWriter({
      connection: { url: proxy.url },
      retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 2 },
    });
    const outcome = await writer.send(documents(namespace, 3));
    await proxy.stop();
    assert.equal(outcome.acknowledged, 0);
    assert.equal(outcome.unsent.length, 3);
    assert.equal(proxy.requests, 3, 'one attempt and two retries');
    await writer.close();
  });
});
