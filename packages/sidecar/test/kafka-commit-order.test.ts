import assert from 'node:assert/strict';
import type { EcsDocument } from '@elkhound/ecs';
import { Admin } from '@platformatic/kafka';
import { KafkaConsumerWorker } from '../src/kafka/consumer-worker';
import type { KafkaConfig } from '../src/kafka/kafka-config';
import { RecordDeadLetters } from '../src/kafka/record-dead-letters';
import { SettledOffsets, type RecordPlace } from '../src/kafka/settled-offsets';
import { silentLogger } from '../src/log';
import type { Sink } from '../src/sink/sink';
import { createTopics, kafkaBootstrap, produceRaw, stopKafka } from './support/kafka';
import { makeSpans, traceRequestProtobuf } from './support/requests';
import { temporaryDirectory, uniqueNamespace } from './support/sidecar-process';

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

function places(topic: string, partition: number, from: number, to: number): RecordPlace[] {
  const records: RecordPlace[] = [];
  for (let offset = from; offset < to; offset++) {
    records.push({ topic, partition, offset: BigInt(offset), leaderEpoch: 0 });
  }
  return records;
}

const offsetsOf = (list: ReturnType<SettledOffsets['settle']>): string[] =>
  list.map((entry) => `${entry.topic}/${entry.partition}@${entry.offset}`).sort();

describe('Kafka: offsets committed only below settled records (batches in flight at once)', () => {
  it('a batch that settles before an earlier one commits nothing until the earlier one settled', () => {
    const offsets = new SettledOffsets();
    const first = offsets.track(places('t', 0, 0, 10));
    const second = offsets.track(places('t', 0, 10, 20));
    const third = offsets.track(places('t', 0, 20, 30));
    assert.equal(offsets.inFlight, 3);
    assert.deepEqual(offsetsOf(offsets.settle(third)), []);
    assert.deepEqual(offsetsOf(offsets.settle(second)), []);
    assert.deepEqual(offsetsOf(offsets.settle(first)), ['t/0@30']);
    assert.equal(offsets.inFlight, 0);
  });

  it('per partition: a partition waits only for the batches holding its own records', () => {
    const offsets = new SettledOffsets();
    const mixed = offsets.track([...places('t', 0, 0, 5), ...places('t', 1, 0, 5)]);
    const partitionOne = offsets.track(places('t', 1, 5, 9));
    const partitionTwo = offsets.track(places('t', 2, 0, 3));
    // Partition 2 has no earlier batch; partition 1 waits for the mixed batch.
    assert.deepEqual(offsetsOf(offsets.settle(partitionTwo)), ['t/2@3']);
    assert.deepEqual(offsetsOf(offsets.settle(partitionOne)), []);
    assert.deepEqual(offsetsOf(offsets.settle(mixed)), ['t/0@5', 't/1@9']);
  });

  it('records read again (a stream reopened at the committed offsets) never move an offset back', () => {
    const offsets = new SettledOffsets();
    const first = offsets.track(places('t', 0, 0, 10));
    assert.deepEqual(offsetsOf(offsets.settle(first)), ['t/0@10']);
    const ahead = offsets.track(places('t', 0, 10, 20));
    const replayed = offsets.track(places('t', 0, 5, 15));
    assert.deepEqual(offsetsOf(offsets.settle(replayed)), []);
    assert.deepEqual(offsetsOf(offsets.settle(ahead)), ['t/0@20']);
    const again = offsets.track(places('t', 0, 12, 18));
    assert.deepEqual(offsetsOf(offsets.settle(again)), []);
    // Settling twice changes nothing.
    assert.deepEqual(offsetsOf(offsets.settle(again)), []);
    assert.equal(offsets.inFlight, 0);
  });

  it('random completion orders: the committed offset never passes an unsettled record', () => {
    for (let round = 0; round < 200; round++) {
      const offsets = new SettledOffsets();
      const batches: Array<{ ticket: ReturnType<SettledOffsets['track']>; end: number[] }> = [];
      const next = [0, 0, 0];
      for (let index = 0; index < 12; index++) {
        const records: RecordPlace[] = [];
        const end = [...next];
        for (let partition = 0; partition < 3; partition++) {
          if (Math.random() < 0.5) continue;
          const count = 1 + Math.floor(Math.random() * 5);
          records.push(
            ...places('t', partition, next[partition] ?? 0, (next[partition] ?? 0) + count),
          );
          next[partition] = (next[partition] ?? 0) + count;
          end[partition] = next[partition] ?? 0;
        }
        if (records.length === 0) continue;
        batches.push({ ticket: offsets.track(records), end });
      }
      const order = batches.map((_, index) => index).sort(() => Math.random() - 0.5);
      const settled = new Set<number>();
      const committed = [0, 0, 0];
      for (const index of order) {
        settled.add(index);
        for (const entry of offsets.settle((batches[index] as (typeof batches)[number]).ticket)) {
          assert.ok(entry.offset > BigInt(committed[entry.partition] ?? 0));
          committed[entry.partition] = Number(entry.offset);
        }
        // The first unsettled batch holding a partition's records bounds its committed offset.
        for (let partition = 0; partition < 3; partition++) {
          let bound = next[partition] ?? 0;
          let start = 0;
          for (const [position, batch] of batches.entries()) {
            const before = start;
            start = batch.end[partition] ?? start;
            if (!settled.has(position) && start > before) {
              bound = before;
              break;
            }
          }
          assert.ok(
            (committed[partition] ?? 0) <= bound,
            `partition ${partition}: committed ${committed[partition]}, first unsettled record ${bound}`,
          );
        }
      }
      assert.deepEqual(committed, next);
    }
  });
});

/** A sink that holds the first batch until released and acknowledges the others at once. */
class HoldFirstSink implements Sink {
  readonly kind = 'elasticsearch';
  sends = 0;
  acknowledged = 0;
  held = 0;
  release!: () => void;
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  async start(): Promise<void> {}
  async send(documents: readonly EcsDocument[]): Promise<void> {
    this.sends++;
    if (this.sends === 1) {
      this.held = documents.length;
      await this.released;
    }
    this.acknowledged += documents.length;
  }
  async notReadyReason(): Promise<string | undefined> {
    return undefined;
  }
  counters(): Record<'indexed' | 'duplicates' | 'retried' | 'rejected', number> {
    return { indexed: this.acknowledged, duplicates: 0, retried: 0, rejected: 0 };
  }
  async close(): Promise<void> {}
}

describe('Kafka: elkhound consume commits in order under out-of-order bulk completion (real broker)', function () {
  this.timeout(120_000);
  after(() => stopKafka());

  it('the first batch held while later ones are acknowledged: nothing committed; released: every offset committed', async () => {
    const namespace = uniqueNamespace('commitorder');
    const topics = {
      traces: `spans_${namespace}`,
      logs: `logs_${namespace}`,
      metrics: `metrics_${namespace}`,
    };
    await createTopics(Object.values(topics), 1);
    const records = 60;
    await produceRaw(
      Array.from({ length: records }, (_, index) => ({
        topic: topics.traces,
        value: traceRequestProtobuf(makeSpans(1, `order-${index}`)),
        headers: { 'content-type': 'application/x-protobuf' },
      })),
    );
    const kafka: KafkaConfig = {
      brokers: kafkaBootstrap().split(','),
      clientId: 'elkhound-test',
      forward: 'off',
      topics,
      partitioner: 'sarama_compat',
      groupId: `group_${namespace}`,
      encoding: 'otlp_proto',
      partitionByResource: { logs: false, metrics: false },
    };
    const sink = new HoldFirstSink();
    const worker = new KafkaConsumerWorker({
      kafka,
      namespace,
      sink,
      deadLetters: await new RecordDeadLetters(temporaryDirectory('commit-order')).open(),
      logger: silentLogger,
      maxRecords: 8,
      maxInFlight: 3,
    });
    const admin = new Admin({ clientId: 'elkhound-test', bootstrapBrokers: kafka.brokers });
    const committed = async (): Promise<bigint> => {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [kafka.groupId] });
      const partition = group?.topics
        .find((topic) => topic.name === topics.traces)
        ?.partitions.find((entry) => entry.partitionIndex === 0);
      return partition?.committedOffset ?? -1n;
    };
    await worker.start();
    try {
      const deadline = Date.now() + 60_000;
      while (sink.held + sink.acknowledged < records && Date.now() < deadline) await sleep(100);
      assert.equal(sink.held + sink.acknowledged, records, 'every record reached the sink');
      assert.ok(sink.held > 0 && sink.held < records, `first batch held ${sink.held} records`);
      assert.ok(sink.sends >= 2, `${sink.sends} batches`);
      await sleep(1_000);
      // Later batches were acknowledged, but the first one was not: nothing may be committed.
      assert.ok(
        (await committed()) <= 0n,
        `committed ${await committed()} with the first batch unsettled`,
      );
      assert.equal(worker.commits, 0);
      sink.release();
      while ((await committed()) < BigInt(records) && Date.now() < deadline) await sleep(100);
      assert.equal(await committed(), BigInt(records));
      assert.equal(worker.documents, records);
    } finally {
      await worker.stop(5_000);
      await admin.close();
    }
  });
});
