// Elkhound's OTLP/protobuf decoders against a reference: protobufjs reading the
// opentelemetry-proto .proto files (test/proto), on seeded generated requests that use every
// field of the three protocols and carry unknown fields of every wire type at every nesting
// level. Replay a failure with ELKHOUND_FUZZ_SEED=<the printed seed>; ELKHOUND_FUZZ_COUNT sets
// how many requests of each signal are made.
import assert from 'node:assert/strict';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest, Rejections } from '../src';
import { corpusCount, corpusSeed, OtlpCorpus, type Signal } from './support/corpus';
import { PROTO_RELEASE, ReferenceDecoder } from './support/reference';

const seed = corpusSeed();
const count = corpusCount(2500);

describe(`OTLP/protobuf decoding against protobufjs and opentelemetry-proto ${PROTO_RELEASE}`, () => {
  const corpus = new OtlpCorpus(seed);
  const reference = new ReferenceDecoder();
  const decoders: Record<
    Signal,
    [(bytes: Uint8Array, rejections: Rejections) => unknown, (bytes: Uint8Array) => unknown]
  > = {
    traces: [decodeTraceRequest, (bytes) => reference.decodeTraces(bytes)],
    logs: [decodeLogsRequest, (bytes) => reference.decodeLogs(bytes)],
    metrics: [decodeMetricsRequest, (bytes) => reference.decodeMetrics(bytes)],
  };

  before(() => {
    console.log(
      `      corpus seed ${seed} (ELKHOUND_FUZZ_SEED), ${count} requests per signal (ELKHOUND_FUZZ_COUNT)`,
    );
  });

  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    it(`decodes ${signal} requests exactly as the reference does`, () => {
      const [elkhound, protobufjs] = decoders[signal];
      let items = 0;
      for (let index = 0; index < count; index++) {
        const request = corpus.request(signal);
        items += request.items;
        const where = () =>
          `seed ${seed}, ${signal} request ${index}: ${Buffer.from(request.body).toString('hex')}`;
        const rejections = new Rejections();
        let decoded: unknown;
        try {
          decoded = elkhound(request.body, rejections);
        } catch (error) {
          assert.fail(`${String(error)}\n${where()}`);
        }
        assert.equal(rejections.count, 0, `${rejections.message}\n${where()}`);
        assert.deepStrictEqual(decoded, protobufjs(request.body), where());
      }
      assert.ok(items > count, `${items} items in ${count} requests`);
    });
  }

  it('has used every field of every message type, and unknown fields of every wire type in each', () => {
    // Runs after the three above: what they generated is what is checked.
    assert.ok(corpus.coverage.size > 25, `${corpus.coverage.size} message types seen`);
    assert.deepEqual(corpus.uncovered(), [], `never generated in ${count} requests per signal`);
  });
});
