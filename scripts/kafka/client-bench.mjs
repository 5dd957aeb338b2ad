// Kafka client comparison for docs/scaling.md: produce N records (acks=all, idempotent) and consume
// them back in a consumer group, per client, against scripts/kafka.sh's broker. Run from a scratch
// directory where the candidates are installed (they are not dependencies of Elkhound):
//   npm i kafkajs@2.2.4 @platformatic/kafka@2.12.1
//   node /path/to/scripts/kafka/client-bench.mjs <client> [records] [bytes]
// Prints one JSON line: records/s and CPU microseconds per record (user+system of this process).
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';

const client = process.argv[2];
const total = Number(process.argv[3] ?? 50_000);
const size = Number(process.argv[4] ?? 1024);
const brokers = (process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:19092').split(',');
const topic = `bench-${client.replace(/\W/g, '')}-${Date.now()}`;
const batch = 500;
const value = randomBytes(size);
const keys = Array.from({ length: 64 }, () => randomBytes(16).toString('hex'));

function measure(start, cpu0, n) {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond: Math.round(n / seconds),
    cpuMicrosPerRecord: +((cpu.user + cpu.system) / n).toFixed(2),
  };
}

async function kafkajs() {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers, clientId: 'bench', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();
  let t = process.hrtime.bigint(),
    c = process.cpuUsage();
  for (let sent = 0; sent < total; sent += batch) {
    const messages = [];
    for (let i = 0; i < batch; i++) messages.push({ key: keys[(sent + i) % 64], value });
    await producer.send({ topic, acks: -1, messages });
  }
  const produce = measure(t, c, total);
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: topic });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  t = process.hrtime.bigint();
  c = process.cpuUsage();
  await new Promise((resolve) => {
    consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch: b, resolveOffset }) => {
        for (const m of b.messages) {
          seen++;
          resolveOffset(m.offset);
        }
        await consumer.commitOffsets([
          { topic, partition: b.partition, offset: String(BigInt(b.lastOffset()) + 1n) },
        ]);
        if (seen >= total) resolve();
      },
    });
  });
  const consume = measure(t, c, seen);
  await consumer.disconnect();
  return { produce, consume };
}

async function platformatic() {
  const { Admin, Producer, Consumer, ProduceAcks } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [topic], partitions: 4, replicas: 1 });
  await admin.close();
  const producer = new Producer({
    clientId: 'bench',
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  let t = process.hrtime.bigint(),
    c = process.cpuUsage();
  for (let sent = 0; sent < total; sent += batch) {
    const messages = [];
    for (let i = 0; i < batch; i++)
      messages.push({ topic, key: Buffer.from(keys[(sent + i) % 64]), value });
    await producer.send({ messages });
  }
  const produce = measure(t, c, total);
  await producer.close();
  const consumer = new Consumer({ clientId: 'bench', groupId: topic, bootstrapBrokers: brokers });
  t = process.hrtime.bigint();
  c = process.cpuUsage();
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let seen = 0;
  const last = new Map();
  for await (const m of stream) {
    seen++;
    last.set(m.partition, m);
    if (seen % batch === 0 || seen >= total) {
      await consumer.commit({
        offsets: [...last.values()].map((x) => ({
          topic,
          partition: x.partition,
          offset: x.offset + 1n,
          leaderEpoch: -1,
        })),
      });
      last.clear();
    }
    if (seen >= total) break;
  }
  const consume = measure(t, c, seen);
  await stream.close();
  await consumer.close(true);
  return { produce, consume };
}

const run = { kafkajs, platformatic }[client];
if (!run) throw new Error(`client: kafkajs or platformatic, not ${client}`);
const result = await run();
console.log(JSON.stringify({ client, records: total, bytes: size, ...result }));
process.exit(0);
