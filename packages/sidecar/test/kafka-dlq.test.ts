import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  RECORD_DEAD_LETTER_FILE,
  RecordDeadLetters,
  UNSENT_RECORD_FILE,
  type RecordDeadLetter,
} from '../src/kafka/record-dead-letters';
import { spanIdCounts } from './support/load';
import { makeSpans, traceRequestProtobuf } from './support/requests';
import { temporaryDirectory, uniqueNamespace } from './support/sidecar-process';

const run = promisify(execFile);
const BIN = join(__dirname, '..', 'bin', 'elkhound.js');

function letter(
  fields: Partial<Omit<RecordDeadLetter, 'value'>> & { value: Buffer },
): RecordDeadLetter {
  return {
    time: '2026-01-01T00:00:00.000Z',
    topic: 'otlp_spans',
    partition: 0,
    offset: '7',
    key: null,
    headers: { 'content-type': 'application/x-protobuf' },
    errorType: 'unknown_topic',
    reason: 'no signal reads topic',
    ...fields,
    value: fields.value.toString('base64'),
  };
}

describe('elkhound dlq list|replay --kafka: the Kafka records of the dead-letter path', function () {
  this.timeout(90_000);

  it('replay maps the records that now decode straight to Elasticsearch (once, however often), keeps the rest with the reason', async () => {
    const namespace = uniqueNamespace('kafkadlq');
    const topic = `spans_${namespace}`;
    const dataDirectory = temporaryDirectory('kafkadlq');
    const directory = join(dataDirectory, 'dlq');
    // Read while consume's traces topic was another one: poison then, readable now.
    const unknownTopic = makeSpans(4, 'dlq-unknown-topic');
    // Refused by Kafka as too large: it never had a partition.
    const unsent = makeSpans(3, 'dlq-unsent');
    await new RecordDeadLetters(directory, RECORD_DEAD_LETTER_FILE).open();
    new RecordDeadLetters(directory, RECORD_DEAD_LETTER_FILE).append([
      letter({ topic, value: traceRequestProtobuf(unknownTopic) }),
      letter({
        topic,
        offset: '8',
        errorType: 'otlp_decode',
        reason: 'garbage',
        value: Buffer.from('not a protobuf message at all'),
      }),
    ]);
    new RecordDeadLetters(directory, UNSENT_RECORD_FILE).append([
      letter({
        topic,
        partition: -1,
        offset: '',
        errorType: 'MESSAGE_TOO_LARGE',
        value: traceRequestProtobuf(unsent),
      }),
    ]);
    const env = {
      PATH: process.env.PATH,
      ELKHOUND_DATA_DIR: dataDirectory,
      ELKHOUND_NAMESPACE: namespace,
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
      ELKHOUND_KAFKA_BROKERS: '127.0.0.1:9',
      ELKHOUND_KAFKA_TOPIC_TRACES: topic,
    };
    const listed = await run(process.execPath, [BIN, 'dlq', 'list', '--kafka'], { env });
    assert.match(listed.stdout, new RegExp(`${topic}/0@7 .* unknown_topic`));
    assert.match(listed.stdout, new RegExp(`${topic} \\(not produced\\) .* MESSAGE_TOO_LARGE`));
    assert.match(listed.stdout, /3 Kafka record dead letter\(s\)/);

    const expected = new Set([...unknownTopic, ...unsent].map((span) => span.spanContext().spanId));
    for (let round = 0; round < 2; round++) {
      const replay = await run(process.execPath, [BIN, 'dlq', 'replay', '--kafka'], {
        env,
      }).catch((error: { code: number; stdout: string; stderr: string }) => error);
      // The garbage record stays: exit code 1, as for documents rejected again.
      assert.equal((replay as { code?: number }).code, 1, replay.stderr);
      assert.match(
        replay.stdout,
        round === 0
          ? /kafka-records.ndjson: replayed 2: 1 written \(4 documents\), 1 kept/
          : /kafka-records.ndjson: replayed 1: 0 written \(0 documents\), 1 kept/,
      );
      assert.match(
        replay.stdout,
        round === 0
          ? /kafka-unsent.ndjson: replayed 1: 1 written \(3 documents\), 0 kept/
          : /kafka-unsent.ndjson: replayed 0/,
      );
      const counts = await spanIdCounts(`traces-elkhound-${namespace}`);
      assert.deepEqual(new Set(counts.keys()), expected);
      assert.ok([...counts.values()].every((count) => count === 1));
    }
    const left = await run(process.execPath, [BIN, 'dlq', 'list', '--kafka', '--json'], { env });
    const kept = left.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RecordDeadLetter);
    assert.equal(kept.length, 1);
    assert.equal(kept[0]?.offset, '8');
    assert.equal(
      Buffer.from(kept[0]?.value ?? '', 'base64').toString(),
      'not a protobuf message at all',
    );
    assert.notEqual(kept[0]?.reason, 'garbage', 'the reason of the replay');
  });
});
