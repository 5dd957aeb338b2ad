import assert from 'node:assert/strict';
import { decodeTraceRequest } from '@elkhound/otlp';
import { loadConfig } from '../src/config';
import { murmur2, saramaCompatible } from '../src/kafka/partitioner';
import { splitTraceRequest } from '../src/kafka/trace-split';
import { makeSpans, traceRequestProtobuf } from './support/requests';

describe('Kafka: partitioners, trace split, configuration', () => {
  it('hashes keys as Sarama (FNV-1a, the Collector default) and the Java client (murmur2) do', () => {
    // FNV-1a 32 reference values: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    assert.equal(saramaCompatible(Buffer.from('')), Math.abs(0x811c9dc5 | 0));
    assert.equal(saramaCompatible(Buffer.from('a')), Math.abs(0xe40c292c | 0));
    assert.equal(saramaCompatible(Buffer.from('foobar')), Math.abs(0xbf9cf968 | 0));
    // Kafka's own murmur2 test vectors (org.apache.kafka.common.utils.UtilsTest), made positive.
    assert.equal(murmur2(Buffer.from('21')), -973932308 & 0x7fffffff);
    assert.equal(murmur2(Buffer.from('foobar')), -790332482 & 0x7fffffff);
    assert.equal(murmur2(Buffer.from('a-little-bit-long-string')), -985981536 & 0x7fffffff);
    assert.equal(murmur2(Buffer.from('a-little-bit-longer-string')), -1486304829 & 0x7fffffff);
    assert.equal(
      murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')),
      -58897971 & 0x7fffffff,
    );
  });

  it('splits a request into one request per trace, keyed by the trace id, spans and resource intact', () => {
    const spans = makeSpans(5, 'split');
    const body = traceRequestProtobuf(spans);
    const records = splitTraceRequest(body);
    assert.equal(records.length, 5);
    const seen = new Set<string>();
    for (const record of records) {
      const [group, ...others] = decodeTraceRequest(record.value);
      assert.equal(others.length, 0);
      const traceSpans = group!.scopeSpans.flatMap((scope) => scope.spans);
      assert.equal(traceSpans.length, 1);
      assert.equal(traceSpans[0]!.traceId, record.key);
      assert.equal(group!.resource.attributes['service.name'], 'split');
      assert.equal(group!.scopeSpans[0]!.scope.name, 'elkhound-sidecar-test');
      seen.add(traceSpans[0]!.spanId);
    }
    assert.deepEqual(seen, new Set(spans.map((span) => span.spanContext().spanId)));
  });

  it('keeps a request of one trace as it is', () => {
    const body = traceRequestProtobuf(makeSpans(1));
    const [record, ...rest] = splitTraceRequest(body);
    assert.equal(rest.length, 0);
    assert.equal(record!.value, body);
    assert.match(record!.key ?? '', /^[0-9a-f]{32}$/);
  });

  it('reads the Kafka settings from the environment and refuses bad ones with the reason', () => {
    const config = loadConfig({
      env: {
        ELKHOUND_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
        ELKHOUND_KAFKA_FORWARD: 'besides',
        ELKHOUND_KAFKA_TOPIC_TRACES: 'spans',
      },
    });
    assert.deepEqual(config.kafka?.brokers, ['127.0.0.1:9092', '127.0.0.1:9093']);
    assert.equal(config.kafka?.forward, 'besides');
    assert.deepEqual(config.kafka?.topics, {
      traces: 'spans',
      logs: 'otlp_logs',
      metrics: 'otlp_metrics',
    });
    assert.equal(config.kafka?.partitioner, 'sarama_compat');
    assert.equal(loadConfig({ env: {} }).kafka, undefined);
    assert.throws(
      () => loadConfig({ env: { ELKHOUND_KAFKA_FORWARD: 'instead' } }),
      /kafka.forward is "instead" but no broker is set; set ELKHOUND_KAFKA_BROKERS/,
    );
    assert.throws(
      () => loadConfig({ env: { ELKHOUND_KAFKA_BROKERS: 'kafka://host:9092' } }),
      /ELKHOUND_KAFKA_BROKERS: "kafka:\/\/host:9092" is not a broker; expected host:port/,
    );
    assert.throws(
      () =>
        loadConfig({ env: { ELKHOUND_KAFKA_BROKERS: 'h:1', ELKHOUND_KAFKA_TOPIC_LOGS: 'a b' } }),
      /ELKHOUND_KAFKA_TOPIC_LOGS: "a b" is not a Kafka topic name/,
    );
    assert.throws(
      () => loadConfig({ env: { ELKHOUND_KAFKA_BROKERS: 'h:1', ELKHOUND_KAFKA_FORWARD: 'yes' } }),
      /ELKHOUND_KAFKA_FORWARD: "yes" is not one of off, instead, besides/,
    );
  });
});
