import assert from 'node:assert/strict';
import {
  freshTopics,
  kafkaBootstrap,
  metricSum,
  spawnConsumer,
  stopKafka,
  waitForSpans,
  type ConsumerProcess,
} from './support/kafka';
import { exactlyOnce, LoadGenerator } from './support/load';
import { spawnSidecar, type SidecarProcess } from './support/sidecar-process';
import { TcpProxy } from './support/tcp-proxy';

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

// The outage: Elasticsearch gone for 60 s under steady load. "Gone" is a TCP proxy in
// front of the run's node that refuses and cuts every connection (as a stopped node does to its
// clients): the shared node itself keeps serving the other tests' reads.
const OUTAGE_MS = 60_000;

describe('Kafka: Elasticsearch stopped for 60 s under load (real broker)', function () {
  this.timeout(OUTAGE_MS + 150_000);
  let edge: SidecarProcess | undefined;
  let consumer: ConsumerProcess | undefined;
  before(() => {
    kafkaBootstrap();
  });
  after(async () => {
    await edge?.stop('SIGKILL');
    await consumer?.stop('SIGKILL');
    stopKafka();
  });

  it('the consumer pauses (lag grows, nothing committed, the edge keeps producing), then drains: 0 lost, 0 duplicated', async () => {
    const topics = await freshTopics('kafkaoutage', 2);
    const proxy = new TcpProxy(new URL(process.env.ELASTICSEARCH_URL as string));
    await proxy.start();
    edge = await spawnSidecar({ ...topics.env, ELKHOUND_KAFKA_FORWARD: 'instead' });
    consumer = await spawnConsumer({
      ...topics.env,
      ELASTICSEARCH_URL: proxy.url,
      ELKHOUND_RETRY_MAX_DELAY_MS: '1000',
    });
    const metrics = consumer.url('/metrics');
    const load = new LoadGenerator(() => (edge as SidecarProcess).url('/v1/traces'), {
      spansPerRequest: 10,
      intervalMs: 50,
      serviceName: 'kafka-outage',
    });
    try {
      load.start();
      // Up and committing first (joining the group takes a few seconds).
      const joined = Date.now() + 30_000;
      while (
        Date.now() < joined &&
        (await metricSum(metrics, 'elkhound_kafka_commits_total')) === 0
      )
        await sleep(250);
      await sleep(1_000);
      assert.ok(
        (await metricSum(metrics, 'elkhound_kafka_commits_total')) > 0,
        'nothing was committed before the outage',
      );
      const down = Date.now();
      await proxy.stop();
      // The batch in hand when the connection went may still settle (its commit with it); the
      // lag monitor samples every 5 s.
      await sleep(7_000);
      const commitsWhenDown = await metricSum(metrics, 'elkhound_kafka_commits_total');
      const lagEarly = await metricSum(metrics, 'elkhound_kafka_consumer_lag');
      const producedEarly = await metricSum(
        edge.url('/metrics'),
        'elkhound_kafka_produced_records_total',
      );
      await sleep(OUTAGE_MS - (Date.now() - down) - 1_000);
      const lagLate = await metricSum(metrics, 'elkhound_kafka_consumer_lag');
      assert.equal(
        await metricSum(metrics, 'elkhound_kafka_commits_total'),
        commitsWhenDown,
        'offsets were committed while Elasticsearch was down',
      );
      assert.ok(lagEarly > 0, 'no lag 7 s into the outage');
      assert.ok(lagLate > lagEarly, `the lag did not grow: ${lagEarly} → ${lagLate}`);
      // The edge is not held back by Elasticsearch: Kafka takes what it receives.
      assert.ok(
        (await metricSum(edge.url('/metrics'), 'elkhound_kafka_produced_records_total')) >
          producedEarly,
        'the edge stopped producing while Elasticsearch was down',
      );
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
      await proxy.start();
      await load.stop();
      assert.ok(load.acknowledged.size > 5_000, `only ${load.acknowledged.size} spans sent`);
      const counts = await waitForSpans(topics.namespace, load.acknowledged.size, 120_000);
      assert.deepEqual(exactlyOnce(load.acknowledged, counts), []);
      assert.ok((await metricSum(metrics, 'elkhound_kafka_commits_total')) > commitsWhenDown);
      // Drained: the lag monitor comes back to 0 once the last batch is committed.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && (await metricSum(metrics, 'elkhound_kafka_consumer_lag')) > 0)
        await sleep(500);
      assert.equal(await metricSum(metrics, 'elkhound_kafka_consumer_lag'), 0);
    } finally {
      await load.stop();
      await proxy.stop();
    }
  });
});
