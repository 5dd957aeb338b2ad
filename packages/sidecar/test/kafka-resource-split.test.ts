import assert from 'node:assert/strict';
import { decodeLogsRequest } from '@elkhound/otlp';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { loadConfig } from '../src/config';
import { saramaCompatible } from '../src/kafka/partitioner';
import { splitByResource } from '../src/kafka/resource-split';
import {
  createTopics,
  kafkaBootstrap,
  readRecords,
  spawnConsumer,
  stopKafka,
  type ConsumerProcess,
} from './support/kafka';
import { spawnSidecar, uniqueNamespace, type SidecarProcess } from './support/sidecar-process';

/** Log records of the real SDK under one resource. */
function logsOf(attributes: Record<string, string>, count: number): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(attributes),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('split-test');
  for (let index = 0; index < count; index++) {
    logger.emit({ body: `${attributes['service.name']} ${index}`, severityText: 'INFO' });
  }
  return exporter.getFinishedLogRecords();
}

const serialize = (records: ReadableLogRecord[]): Buffer =>
  Buffer.from(ProtobufLogsSerializer.serializeRequest(records) as Uint8Array);

describe('Kafka: logs and metrics partitioned by resource attributes', () => {
  it('one record per resource, keyed by its attributes whatever their order; every log record kept', () => {
    const body = serialize([
      ...logsOf({ 'service.name': 'checkout', 'host.name': 'a' }, 3),
      ...logsOf({ 'service.name': 'billing', 'host.name': 'a' }, 2),
    ]);
    const records = splitByResource(body);
    assert.equal(records.length, 2);
    const keys = records.map((record) => record.key);
    assert.equal(new Set(keys).size, 2);
    for (const key of keys) assert.match(key, /^[0-9a-f]{32}$/);
    const bodies = records.flatMap((record) =>
      decodeLogsRequest(record.value).flatMap((resource) =>
        resource.scopeLogs.flatMap((scope) => scope.logRecords.map((log) => log.body)),
      ),
    );
    assert.equal(bodies.length, 5);

    // The same attributes in another order, alone in a request: the same key.
    const reordered = splitByResource(
      serialize(logsOf({ 'host.name': 'a', 'service.name': 'checkout' }, 1)),
    );
    assert.equal(reordered.length, 1);
    const checkout = records.find((record) =>
      decodeLogsRequest(record.value).some(
        (resource) => resource.resource.attributes['service.name'] === 'checkout',
      ),
    );
    assert.equal(reordered[0]?.key, checkout?.key);
  });

  it('a request of one resource comes back as it is', () => {
    const body = serialize(logsOf({ 'service.name': 'only' }, 4));
    const [record, ...rest] = splitByResource(body);
    assert.equal(rest.length, 0);
    assert.ok(record?.value.equals(body));
  });

  it('the settings: off by default, on for logs and metrics apart', () => {
    const brokers = { ELKHOUND_KAFKA_BROKERS: '127.0.0.1:9092' };
    assert.deepEqual(loadConfig({ env: brokers }).kafka?.partitionByResource, {
      logs: false,
      metrics: false,
    });
    assert.deepEqual(
      loadConfig({
        env: { ...brokers, ELKHOUND_KAFKA_PARTITION_LOGS_BY_RESOURCE_ATTRIBUTES: 'true' },
      }).kafka?.partitionByResource,
      { logs: true, metrics: false },
    );
    assert.throws(
      () =>
        loadConfig({
          env: { ...brokers, ELKHOUND_KAFKA_PARTITION_METRICS_BY_RESOURCE_ATTRIBUTES: 'on' },
        }),
      /ELKHOUND_KAFKA_PARTITION_METRICS_BY_RESOURCE_ATTRIBUTES: "on" is not true or false/,
    );
  });
});

describe('Kafka: logs partitioned by resource attributes, edge → Kafka → consume (real broker)', function () {
  this.timeout(120_000);
  const running: Array<SidecarProcess | ConsumerProcess> = [];
  afterEach(async () => {
    for (const process of running.splice(0)) await process.stop('SIGKILL');
  });
  after(() => stopKafka());

  it('one keyed record per resource, in the partition of its key; every log record in Elasticsearch once', async () => {
    const namespace = uniqueNamespace('kafkaresource');
    const names = [`spans_${namespace}`, `logs_${namespace}`, `metrics_${namespace}`];
    await createTopics(names, 4);
    const env = {
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_KAFKA_BROKERS: kafkaBootstrap(),
      ELKHOUND_KAFKA_TOPIC_TRACES: names[0] as string,
      ELKHOUND_KAFKA_TOPIC_LOGS: names[1] as string,
      ELKHOUND_KAFKA_TOPIC_METRICS: names[2] as string,
      ELKHOUND_KAFKA_GROUP_ID: `group_${namespace}`,
    };
    const edge = await spawnSidecar({
      ...env,
      ELKHOUND_KAFKA_FORWARD: 'instead',
      ELKHOUND_KAFKA_PARTITION_LOGS_BY_RESOURCE_ATTRIBUTES: 'true',
    });
    running.push(edge);
    running.push(await spawnConsumer(env));
    const answer = await fetch(edge.url('/v1/logs'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: serialize([
        ...logsOf({ 'service.name': 'checkout', 'host.name': 'a' }, 3),
        ...logsOf({ 'service.name': 'billing', 'host.name': 'b' }, 2),
      ]),
    });
    assert.equal(answer.status, 200);
    const records = await readRecords(names[1] as string, 2);
    assert.equal(records.length, 2);
    for (const record of records) {
      assert.match(record.key ?? '', /^[0-9a-f]{32}$/);
      assert.equal(record.partition, saramaCompatible(Buffer.from(record.key as string)) % 4);
    }
    const url = process.env.ELASTICSEARCH_URL as string;
    const deadline = Date.now() + 60_000;
    let count = 0;
    while (Date.now() < deadline) {
      await fetch(`${url}/logs-elkhound-${namespace}/_refresh`, { method: 'POST' });
      const response = await fetch(`${url}/logs-elkhound-${namespace}/_count`);
      count = response.status === 200 ? ((await response.json()) as { count: number }).count : 0;
      if (count >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await fetch(`${url}/logs-elkhound-${namespace}/_refresh`, { method: 'POST' });
    const final = await fetch(`${url}/logs-elkhound-${namespace}/_count`);
    assert.equal(((await final.json()) as { count: number }).count, 5);
  });
});
