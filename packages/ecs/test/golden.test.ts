import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { encodeCase, loadGoldenCases, readExpected, toGolden } from './golden-cases';

describe('golden ECS documents (testdata/*; regenerate with `npm run golden -w @elkhound/ecs`)', () => {
  const cases = loadGoldenCases();

  it('has the cases the mapping promises', () => {
    assert.deepEqual(cases.map((goldenCase) => goldenCase.name).sort(), [
      'db-client-span',
      'genai-chat-span',
      'genai-metrics',
      'http-client-span',
      'http-server-span',
      'log-in-span',
      'log-map-body',
      'missing-resource',
      'span-with-exception',
      'unicode-and-long-values',
    ]);
  });

  for (const goldenCase of cases) {
    it(`maps ${goldenCase.name} exactly as expected.json says`, () => {
      assert.ok(
        existsSync(goldenCase.expectedPath),
        `missing ${goldenCase.expectedPath}: run npm run golden -w @elkhound/ecs`,
      );
      assert.deepEqual(toGolden(encodeCase(goldenCase.input)), readExpected(goldenCase));
    });
  }

  it('writes every source as compact JSON without duplicate keys (Elasticsearch refuses those)', () => {
    for (const goldenCase of cases) {
      for (const document of encodeCase(goldenCase.input)) {
        // JSON.parse keeps the last of two equal keys: a source that re-serialises to another
        // length either held a duplicate or was not written compactly.
        assert.equal(
          JSON.stringify(JSON.parse(document.source)).length,
          document.source.length,
          `${goldenCase.name} ${document.id}`,
        );
      }
    }
  });

  it('cuts every source into its own head and the tail its group shares (source = head + tail)', () => {
    for (const goldenCase of cases) {
      const documents = encodeCase(goldenCase.input);
      for (const document of documents) {
        assert.equal(typeof document.head, 'string', `${goldenCase.name} ${document.id}`);
        assert.equal(`${document.head}${document.tail}`, document.source);
        assert.match(document.tail as string, /^,"data_stream":\{/);
        // One string object per data stream of the group, not one per document.
        const first = documents.find((other) => other.dataStream === document.dataStream);
        assert.ok(Object.is(first?.tail, document.tail));
      }
    }
  });

  it('gives the same ids for the same input and different ids to different records', () => {
    const all = cases.flatMap((goldenCase) => encodeCase(goldenCase.input));
    const again = cases.flatMap((goldenCase) => encodeCase(goldenCase.input));
    assert.deepEqual(
      all.map((document) => document.id),
      again.map((document) => document.id),
    );
    assert.equal(new Set(all.map((document) => document.id)).size, all.length);
  });
});
