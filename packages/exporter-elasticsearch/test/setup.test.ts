import assert from 'node:assert/strict';
import { elasticsearchClient } from '@elkhound/test-support';
import type { Client } from '@elastic/elasticsearch';
import {
  BulkWriter,
  ElasticsearchTransport,
  TEMPLATE_VERSION,
  ilmPolicy,
  indexTemplateName,
  setupElasticsearch,
} from '../src';
import { componentTemplates, indexTemplates } from '../src/templates';
import { hasIlm, withFingerprint } from '../src/setup';
import { FaultProxy } from './fault-proxy';

const url = () => process.env.ELASTICSEARCH_URL as string;

describe('index templates and setup', function () {
  this.timeout(60_000);
  let client: Client;
  before(() => {
    client = elasticsearchClient();
  });
  after(() => client.close());

  it('installs idempotently: a second run writes nothing, an older version is replaced', async () => {
    await setupElasticsearch({ url: url() });
    const proxy = new FaultProxy(url());
    await proxy.start();
    const again = await setupElasticsearch({ url: proxy.url });
    await proxy.stop();
    assert.deepEqual(again.installed, []);
    // 5 component templates and 3 index templates, each checked with one GET, none written.
    assert.equal(again.current.length, 8);
    assert.equal(
      proxy.requests,
      again.ilm ? 10 : 9,
      'GETs only: the ILM probe and one per template',
    );

    // Downgrade one template by hand: the next setup must replace it.
    await client.indices.putIndexTemplate({
      name: indexTemplateName('logs'),
      index_patterns: ['logs-elkhound-*'],
      data_stream: {},
      priority: 250,
      version: TEMPLATE_VERSION - 1,
      composed_of: ['elkhound@settings', 'elkhound@mappings-common', 'elkhound@mappings-logs'],
    });
    const repaired = await setupElasticsearch({ url: url() });
    assert.deepEqual(repaired.installed, [indexTemplateName('logs')]);
    const installed = await client.indices.getIndexTemplate({ name: indexTemplateName('logs') });
    assert.equal(installed.index_templates[0]?.index_template.version, TEMPLATE_VERSION);
  });

  it('replaces a template whose options changed at the same version, and never downgrades a newer one', async () => {
    await setupElasticsearch({ url: url() });
    try {
      const shorter = await setupElasticsearch({ url: url() }, { retention: '7d' });
      assert.deepEqual(shorter.installed, ['elkhound@settings']);
      const settings = await client.cluster.getComponentTemplate({ name: 'elkhound@settings' });
      assert.equal(
        settings.component_templates[0]?.component_template.template.lifecycle?.data_retention,
        '7d',
      );
    } finally {
      const back = await setupElasticsearch({ url: url() });
      assert.deepEqual(back.installed, ['elkhound@settings']);
    }

    // A newer Elkhound installed version + 1: this package leaves it alone.
    const name = indexTemplateName('metrics');
    const ours = withFingerprint(indexTemplates()[name] as Record<string, unknown>, ['_meta']);
    const putIndexTemplate = async (version: number) => {
      const transport = new ElasticsearchTransport({ url: url() });
      const answer = await transport.json({
        method: 'PUT',
        path: `/_index_template/${name}`,
        body: JSON.stringify({ ...ours, version }),
      });
      await transport.close();
      assert.equal(answer.status, 200);
    };
    await putIndexTemplate(TEMPLATE_VERSION + 1);
    try {
      const older = await setupElasticsearch({ url: url() });
      assert.deepEqual(older.installed, []);
      assert.ok(older.current.includes(name));
      const kept = await client.indices.getIndexTemplate({ name });
      assert.equal(kept.index_templates[0]?.index_template.version, TEMPLATE_VERSION + 1);
    } finally {
      await putIndexTemplate(TEMPLATE_VERSION);
    }
    assert.deepEqual((await setupElasticsearch({ url: url() })).installed, []);
    await assert.rejects(
      setupElasticsearch({ url: url() }, { retention: 'a month' }),
      /retention: "a month"/,
    );
  });

  it('gives a new data stream the explicit mapping and keeps unknown labels conflict-free', async () => {
    await setupElasticsearch({ url: url() });
    const namespace = `map${Date.now().toString(36)}`;
    const dataStream = `traces-elkhound-${namespace}`;
    const writer = new BulkWriter({ connection: { url: url() } });
    const outcome = await writer.send([
      {
        id: 'a',
        dataStream,
        source: JSON.stringify({
          '@timestamp': '2026-11-22T10:00:00.123456789Z',
          trace: { id: 'abc' },
          event: { duration: 1234 },
          gen_ai: {
            usage: { input_tokens: 10 },
            request: { model: 'gpt-4o' },
            input: { messages: { a: 'x' } },
            // A GenAI attribute the templates do not know yet, first seen as an integer.
            future: { score: 3 },
          },
          elkhound: { cost: { total: 0.001 } },
          error: { stack_trace: 'Error: x\n at y' },
          labels: { user_tier: 'gold' },
          numeric_labels: { attempt: 3 },
          message: 'searchable words',
          db: { query: { text: 'SELECT 1' } },
        }),
      },
      // The same label names with other JSON types: labels stay keyword, numeric_labels double.
      {
        id: 'b',
        dataStream,
        source: JSON.stringify({
          '@timestamp': '2026-11-22T10:00:01Z',
          labels: { user_tier: true },
          numeric_labels: { attempt: 3.5 },
        }),
      },
    ]);
    await writer.close();
    assert.equal(outcome.acknowledged, 2, JSON.stringify(outcome.rejected));
    const mapping = await client.indices.getMapping({ index: dataStream });
    const properties = Object.values(mapping)[0]?.mappings.properties as Record<
      string,
      { type?: string; properties?: Record<string, unknown> }
    >;
    const at = (path: string) =>
      path
        .split('.')
        .reduce<unknown>(
          (node, key) =>
            (node as { properties?: Record<string, unknown> })?.properties?.[key] ??
            (node as Record<string, unknown>)?.[key],
          { properties },
        ) as { type?: string; index?: boolean };
    assert.equal(at('@timestamp').type, 'date_nanos');
    assert.equal(at('trace.id').type, 'keyword');
    assert.equal(at('event.duration').type, 'long');
    assert.equal(at('gen_ai.usage.input_tokens').type, 'long');
    assert.equal(at('gen_ai.request.model').type, 'keyword');
    assert.equal(at('gen_ai.input.messages').type, 'flattened');
    assert.equal(at('elkhound.cost.total').type, 'double');
    assert.equal(at('elkhound.cost.unpriced_reason').type, 'keyword');
    assert.equal(at('elkhound.usage.source').type, 'keyword');
    assert.equal(at('error.stack_trace').index, false);
    assert.equal(at('labels.user_tier').type, 'keyword');
    assert.equal(at('numeric_labels.attempt').type, 'double');
    // `text` alone: searched by its words; a `.keyword` cost ~2 µs per log document (issue 15).
    assert.equal(at('message').type, 'text');
    assert.equal((at('message') as { fields?: object }).fields, undefined);
    assert.equal(at('span.duration.us').type, 'long');
    assert.equal(at('db.query.text').type, 'keyword');
    assert.equal(at('gen_ai.future.score').type, 'double');
  });

  it('detects that the test cluster has no ILM, and shapes the ILM policy for clusters that do', async () => {
    const transport = new ElasticsearchTransport({ url: url() });
    const ilm = await hasIlm(transport);
    await transport.close();
    const nodes = await client.nodes.info({ node_id: '_local', metric: 'plugins' });
    const modules = Object.values(nodes.nodes)[0]?.modules?.map((module) => module.name) ?? [];
    assert.equal(ilm, modules.includes('x-pack-ilm'));
    const policy = ilmPolicy('7d') as { policy: { phases: { delete: { min_age: string } } } };
    assert.equal(policy.policy.phases.delete.min_age, '7d');
    const settings = componentTemplates({ ilmPolicy: 'elkhound' })['elkhound@settings'] as {
      template: { settings: Record<string, unknown> };
    };
    assert.equal(settings.template.settings['index.lifecycle.name'], 'elkhound');
    const withoutIlm = componentTemplates({})['elkhound@settings'] as {
      template: { settings: Record<string, unknown> };
    };
    assert.equal(withoutIlm.template.settings['index.lifecycle.name'], undefined);
  });
});
