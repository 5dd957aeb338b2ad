import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { elasticsearchClient } from '@elkhound/test-support';

// The first proof that the suite runs against a real node: a composable template turns an
// index name into a data stream, and Elasticsearch applies the template's explicit mapping.
describe('a data stream on the test cluster', () => {
  const suffix = `${process.pid}-${Date.now()}`;
  const template = `elkhound-smoke-${suffix}`;
  const dataStream = `logs-elkhoundsmoke-${suffix}`;
  let client: Client;

  before(async () => {
    client = elasticsearchClient();
    await client.indices.putIndexTemplate({
      name: template,
      index_patterns: [`logs-elkhoundsmoke-${suffix}*`],
      data_stream: {},
      priority: 500,
      template: {
        settings: { number_of_replicas: 0 },
        mappings: {
          dynamic: 'strict',
          properties: {
            '@timestamp': { type: 'date' },
            message: { type: 'text' },
            trace: { properties: { id: { type: 'keyword' } } },
            event: { properties: { duration: { type: 'long' } } },
            error: {
              properties: { stack_trace: { type: 'keyword', index: false, doc_values: false } },
            },
            gen_ai: { properties: { content: { type: 'flattened' } } },
          },
        },
      },
    });
  });

  after(async () => {
    // The integ-test distribution has no data stream API (its run directory is new each run);
    // a full cluster given by ELASTICSEARCH_URL gets its data stream removed.
    await client.indices.deleteDataStream({ name: dataStream }).catch(() => undefined);
    await client.indices.deleteIndexTemplate({ name: template }).catch(() => undefined);
    await client.close();
  });

  it('indexes with create, reads the documents back and applies the mapping', async () => {
    const documents = [
      {
        '@timestamp': '2026-11-22T10:00:00.000Z',
        message: 'chat gpt-4o answered',
        trace: { id: '4bf92f3577b34da6a3ce929d0e0e4736' },
        event: { duration: 1_250_000_000 },
        error: { stack_trace: 'Error: boom\n    at f (a.js:1:1)' },
        gen_ai: { content: { role: 'user', text: 'hello' } },
      },
      {
        '@timestamp': '2026-11-22T10:00:01.000Z',
        message: 'embeddings done',
        trace: { id: '4bf92f3577b34da6a3ce929d0e0e4736' },
        event: { duration: 5_000_000 },
      },
    ];
    const bulk = await client.bulk({
      index: dataStream,
      refresh: 'wait_for',
      operations: documents.flatMap((document, index) => [
        { create: { _id: `smoke-${index}` } },
        document,
      ]),
    });
    assert.equal(bulk.errors, false, JSON.stringify(bulk.items));

    // A replay of the same ids with `create` is refused per document (409), never duplicated.
    const replay = await client.bulk({
      index: dataStream,
      refresh: 'wait_for',
      operations: [{ create: { _id: 'smoke-0' } }, documents[0]],
    });
    assert.equal(replay.items[0]?.create?.status, 409);

    const found = await client.search<{ message: string }>({
      index: dataStream,
      query: { term: { 'trace.id': '4bf92f3577b34da6a3ce929d0e0e4736' } },
      sort: [{ '@timestamp': 'asc' }],
    });
    assert.deepEqual(
      found.hits.hits.map((hit) => hit._source?.message),
      ['chat gpt-4o answered', 'embeddings done'],
    );
    assert.match(found.hits.hits[0]?._index ?? '', new RegExp(`^\\.ds-${dataStream}-`));

    const mapping = await client.indices.getMapping({ index: dataStream });
    const properties = Object.values(mapping)[0]?.mappings.properties ?? {};
    assert.equal(properties['@timestamp']?.type, 'date');
    const trace = properties.trace as { properties: Record<string, { type: string }> };
    assert.equal(trace.properties.id?.type, 'keyword');
    const error = properties.error as { properties: Record<string, { index?: boolean }> };
    assert.equal(error.properties.stack_trace?.index, false);
    const genAi = properties.gen_ai as { properties: Record<string, { type: string }> };
    assert.equal(genAi.properties.content?.type, 'flattened');

    // `stack_trace` is stored but not indexed: a term query on it must fail, not match.
    await assert.rejects(
      client.search({ index: dataStream, query: { term: { 'error.stack_trace': 'boom' } } }),
      /failed to create query|not indexed|Cannot search on field/,
    );
  });

  it('refuses a document the strict mapping does not allow, and keeps the others', async () => {
    const bulk = await client.bulk({
      index: dataStream,
      refresh: 'wait_for',
      operations: [
        { create: { _id: 'smoke-good' } },
        { '@timestamp': '2026-11-22T10:00:02.000Z', message: 'fine' },
        { create: { _id: 'smoke-bad' } },
        { '@timestamp': '2026-11-22T10:00:03.000Z', unexpected: 'field' },
      ],
    });
    assert.equal(bulk.errors, true);
    assert.equal(bulk.items[0]?.create?.status, 201);
    assert.equal(bulk.items[1]?.create?.status, 400);
    assert.equal(bulk.items[1]?.create?.error?.type, 'strict_dynamic_mapping_exception');
  });
});
