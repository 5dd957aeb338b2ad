import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saramaCompatible } from '../src/kafka/partitioner';
import type { RecordDeadLetter } from '../src/kafka/record-dead-letters';
import {
  createTopics,
  freshTopics,
  kafkaBootstrap,
  metricSum,
  produceRaw,
  readRecords,
  spawnConsumer,
  stopKafka,
  ThreeBrokers,
  waitForSpans,
  type ConsumerProcess,
} from './support/kafka';
import { exactlyOnce, LoadGenerator } from './support/load';
import {
  logsRequestProtobuf,
  makeSpans,
  traceRequestJson,
  traceRequestProtobuf,
} from './support/requests';
import {
  metricValue,
  spawnSidecar,
  uniqueNamespace,
  type SidecarProcess,
} from './support/sidecar-process';

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('Kafka: edge sidecar → Kafka → consumer group → Elasticsearch (real broker)', function () {
  this.timeout(180_000);
  const sidecars: SidecarProcess[] = [];
  const consumers: ConsumerProcess[] = [];
  before(() => {
    kafkaBootstrap();
  });
  afterEach(async () => {
    for (const process of [...sidecars.splice(0), ...consumers.splice(0)])
      await process.stop('SIGKILL');
  });
  after(() => stopKafka());

  it('two consumers in one group write every span exactly once; records keyed by trace id as the Collector partitions them', async () => {
    const topics = await freshTopics('kafkagroup', 4);
    const edge = await spawnSidecar({ ...topics.env, ELKHOUND_KAFKA_FORWARD: 'instead' });
    sidecars.push(edge);
    for (let index = 0; index < 2; index++) consumers.push(await spawnConsumer(topics.env));
    const load = new LoadGenerator(() => edge.url('/v1/traces'), {
      spansPerRequest: 10,
      intervalMs: 40,
      serviceName: 'kafka-group',
    });
    load.start();
    // One OTLP/JSON request on the way: produced as protobuf, split by trace, like the rest.
    const jsonSpans = makeSpans(3, 'kafka-json');
    const jsonAnswer = await fetch(edge.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: traceRequestJson(jsonSpans),
    });
    assert.equal(jsonAnswer.status, 200);
    for (const span of jsonSpans) load.acknowledged.add(span.spanContext().spanId);
    await sleep(6_000);
    await load.stop();
    assert.ok(load.acknowledged.size > 300, `only ${load.acknowledged.size} spans acknowledged`);

    const counts = await waitForSpans(topics.namespace, load.acknowledged.size);
    assert.deepEqual(exactlyOnce(load.acknowledged, counts), []);
    assert.equal(await metricValue(edge, 'elkhound_kafka_queue_records'), 0);
    const perConsumer = await Promise.all(
      consumers.map((consumer) =>
        metricSum(consumer.url('/metrics'), 'elkhound_kafka_consumed_records_total'),
      ),
    );
    assert.ok(
      perConsumer.every((count) => count > 0),
      `records per consumer: ${perConsumer.join(', ')}`,
    );

    // As the Collector's kafka exporter with partition_traces_by_id: one trace per record, the
    // key its hex id, the partition Sarama's hash of the key.
    const records = await readRecords(topics.traces, 50);
    for (const record of records) {
      assert.equal(record.headers.get('content-type'), 'application/x-protobuf');
      assert.match(record.key ?? '', /^[0-9a-f]{32}$/);
      assert.equal(record.partition, saramaCompatible(Buffer.from(record.key as string)) % 4);
    }
  });

  it('a consumer killed with SIGKILL mid-load: its partitions move to the other, 0 lost, 0 duplicated', async () => {
    const topics = await freshTopics('kafkakill', 4);
    const edge = await spawnSidecar({ ...topics.env, ELKHOUND_KAFKA_FORWARD: 'instead' });
    sidecars.push(edge);
    const survivor = await spawnConsumer(topics.env);
    const victim = await spawnConsumer(topics.env);
    consumers.push(survivor, victim);
    const load = new LoadGenerator(() => edge.url('/v1/traces'), {
      spansPerRequest: 10,
      intervalMs: 40,
      serviceName: 'kafka-kill',
    });
    load.start();
    await sleep(4_000);
    assert.ok(
      (await metricSum(victim.url('/metrics'), 'elkhound_kafka_consumed_records_total')) > 0,
      'the victim had read nothing before it was killed',
    );
    await victim.stop('SIGKILL');
    await sleep(4_000);
    await load.stop();
    const counts = await waitForSpans(topics.namespace, load.acknowledged.size, 90_000);
    assert.deepEqual(exactlyOnce(load.acknowledged, counts), []);
  });

  it('a record Kafka refuses for good (larger than the topic allows) goes to the dead-letter path and does not hold back the records behind it', async () => {
    const topics = await freshTopics('kafkalarge', 1, { 'max.message.bytes': '20000' });
    const edge = await spawnSidecar({ ...topics.env, ELKHOUND_KAFKA_FORWARD: 'instead' });
    sidecars.push(edge);
    const large = logsRequestProtobuf(2_000);
    assert.ok(large.length > 20_000);
    for (const body of [large, logsRequestProtobuf(3)]) {
      const answer = await fetch(edge.url('/v1/logs'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      assert.equal(answer.status, 200);
    }
    const [delivered] = await readRecords(`logs_${topics.namespace}`, 1);
    assert.equal(delivered!.value.length, logsRequestProtobuf(3).length);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await metricValue(edge, 'elkhound_kafka_queue_records')) > 0)
      await sleep(200);
    assert.equal(await metricValue(edge, 'elkhound_kafka_queue_records'), 0);
    const letters = readFileSync(join(edge.dataDirectory, 'dlq', 'kafka-unsent.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RecordDeadLetter);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.errorType, 'MESSAGE_TOO_LARGE');
    assert.deepEqual(Buffer.from(letters[0]!.value, 'base64'), large);
  });

  it('poison records (garbage, truncated protobuf, wrong content type) go to the dead-letter path with topic/partition/offset and never block the partition', async () => {
    const topics = await freshTopics('kafkapoison', 1);
    const before = makeSpans(2, 'poison');
    const after = makeSpans(2, 'poison');
    const valid = traceRequestProtobuf(before);
    await produceRaw([
      { topic: topics.traces, value: valid, headers: { 'content-type': 'application/x-protobuf' } },
      { topic: topics.traces, value: Buffer.from('definitely not OTLP \u0000\u00ff') },
      { topic: topics.traces, value: valid.subarray(0, valid.length - 9) },
      {
        topic: topics.traces,
        value: Buffer.from(traceRequestJson(makeSpans(1, 'poison'))),
        headers: { 'content-type': 'application/x-protobuf' },
      },
      // The Collector's exporter sets no header: the configured encoding (otlp_proto) applies.
      { topic: topics.traces, value: traceRequestProtobuf(after) },
    ]);
    const consumer = await spawnConsumer(topics.env);
    consumers.push(consumer);
    const expected = new Set([...before, ...after].map((span) => span.spanContext().spanId));
    const counts = await waitForSpans(topics.namespace, expected.size);
    assert.deepEqual(exactlyOnce(expected, counts), []);
    const deadline = Date.now() + 20_000;
    let letters: RecordDeadLetter[] = [];
    while (Date.now() < deadline && letters.length < 3) {
      try {
        letters = readFileSync(join(consumer.dataDirectory, 'dlq', 'kafka-records.ndjson'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as RecordDeadLetter);
      } catch {
        // not written yet
      }
      await sleep(200);
    }
    assert.deepEqual(
      letters.map((letter) => [letter.topic, letter.partition, letter.offset, letter.errorType]),
      [
        [topics.traces, 0, '1', 'otlp_decode'],
        [topics.traces, 0, '2', 'otlp_decode'],
        [topics.traces, 0, '3', 'otlp_decode'],
      ],
    );
    assert.equal(Buffer.from(letters[1]!.value, 'base64').length, valid.length - 9);
    // Everything is settled: the group's offset passed the poison.
    const commitDeadline = Date.now() + 10_000;
    while (Date.now() < commitDeadline) {
      if (
        (await metricSum(consumer.url('/metrics'), 'elkhound_kafka_consumed_records_total')) === 5
      )
        break;
      await sleep(200);
    }
    assert.equal(
      await metricSum(consumer.url('/metrics'), 'elkhound_kafka_consumed_records_total'),
      5,
    );
    assert.equal(
      await metricSum(consumer.url('/metrics'), 'elkhound_kafka_dead_lettered_records_total'),
      3,
    );
  });
});

describe('Kafka: a broker of three killed and restarted while producing and consuming (real brokers)', function () {
  this.timeout(300_000);
  const cluster = new ThreeBrokers();
  const sidecars: SidecarProcess[] = [];
  const consumers: ConsumerProcess[] = [];
  before(() => cluster.start());
  after(async () => {
    for (const process of [...sidecars.splice(0), ...consumers.splice(0)])
      await process.stop('SIGKILL');
    cluster.stop();
  });

  it('0 lost, 0 duplicated: acks=all with min.insync.replicas=2 keeps every acknowledged record', async () => {
    const namespace = uniqueNamespace('kafkabroker');
    const traces = `spans_${namespace}`;
    await createTopics(
      [traces, `logs_${namespace}`, `metrics_${namespace}`],
      3,
      {},
      {
        brokers: cluster.brokers,
        replicas: 3,
      },
    );
    const env = {
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_KAFKA_BROKERS: cluster.brokers,
      ELKHOUND_KAFKA_TOPIC_TRACES: traces,
      ELKHOUND_KAFKA_TOPIC_LOGS: `logs_${namespace}`,
      ELKHOUND_KAFKA_TOPIC_METRICS: `metrics_${namespace}`,
      ELKHOUND_KAFKA_GROUP_ID: `group_${namespace}`,
    };
    const edge = await spawnSidecar({ ...env, ELKHOUND_KAFKA_FORWARD: 'instead' });
    sidecars.push(edge);
    for (let index = 0; index < 2; index++) consumers.push(await spawnConsumer(env));
    const load = new LoadGenerator(() => edge.url('/v1/traces'), {
      spansPerRequest: 10,
      intervalMs: 50,
      serviceName: 'kafka-broker',
    });
    load.start();
    try {
      await sleep(3_000);
      cluster.killNode(2);
      await sleep(6_000);
      cluster.startNode(2);
      await sleep(3_000);
    } finally {
      await load.stop();
    }
    const counts = await waitForSpans(namespace, load.acknowledged.size, 120_000);
    const problems = exactlyOnce(load.acknowledged, counts);
    if (problems.length > 0) {
      const edgeMetrics = (await (await fetch(edge.url('/metrics'))).text())
        .split('\n')
        .filter((line) => line.startsWith('elkhound_kafka'));
      const consumerState = await Promise.all(
        consumers.map(async (consumer) =>
          [
            ...(await (await fetch(consumer.url('/metrics'))).text())
              .split('\n')
              .filter((line) => line.startsWith('elkhound_kafka') && !line.includes('_bucket')),
            ...consumer.lines.filter((line) => /"(warn|error)"/.test(line)).slice(-5),
          ].join('\n'),
        ),
      );
      const edgeLog = edge.lines.filter((line) => /"(warn|error)"/.test(line)).slice(-5);
      assert.fail(
        `${problems.length} problems (${counts.size} of ${load.acknowledged.size} spans)\n${problems.slice(0, 3).join('\n')}\nedge:\n${[...edgeMetrics, ...edgeLog].join('\n')}\nconsumers:\n${consumerState.join('\n---\n')}`,
      );
    }
    assert.ok(load.acknowledged.size > 200, `only ${load.acknowledged.size} spans acknowledged`);
  });
});
