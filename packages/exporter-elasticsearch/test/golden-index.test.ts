import assert from 'node:assert/strict';
import { elasticsearchClient } from '@elkhound/test-support';
import { BulkWriter, setupElasticsearch } from '../src';
import { encodeCase, loadGoldenCases, readExpected } from '../../ecs/test/golden-cases';

const url = () => process.env.ELASTICSEARCH_URL as string;

// Every golden ECS document of @elkhound/ecs goes through the real templates: none is refused,
// and what Elasticsearch keeps is the golden document.
describe('golden ECS documents in the real Elasticsearch', function () {
  this.timeout(60_000);

  it('indexes every golden case under the templates and reads each document back unchanged', async () => {
    await setupElasticsearch({ url: url() });
    const client = elasticsearchClient();
    const writer = new BulkWriter({ connection: { url: url() } });
    try {
      for (const goldenCase of loadGoldenCases()) {
        const documents = encodeCase(goldenCase.input);
        const outcome = await writer.send(documents);
        assert.deepEqual(
          outcome.rejected.map((rejected) => `${rejected.errorType}: ${rejected.reason}`),
          [],
          goldenCase.name,
        );
        assert.equal(outcome.acknowledged, documents.length, goldenCase.name);
        for (const expected of readExpected(goldenCase)) {
          await client.indices.refresh({ index: expected.data_stream });
          const found = await client.search({
            index: expected.data_stream,
            query: { ids: { values: [expected._id] } },
          });
          assert.equal(found.hits.hits.length, 1, `${goldenCase.name}: ${expected._id}`);
          assert.deepEqual(found.hits.hits[0]?._source, expected.source, goldenCase.name);
        }
      }
    } finally {
      await writer.close();
      await client.close();
    }
  });
});
