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
import { splitByResource } from '../src/kafka/resource-split';

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
