import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BulkWriter, setupElasticsearch } from '@elkhound/exporter-elasticsearch';
import { ensureElasticsearch } from '@elkhound/test-support';
import { DATA_VIEWS, fieldsUsed, kibanaNdjson, type SavedObject } from '../src';
import { documents } from './support/calls';

const FILE = join(__dirname, '..', '..', '..', 'kibana', 'elkhound.ndjson');

describe('Kibana saved objects (kibana/elkhound.ndjson)', function () {
  this.timeout(60_000);
  const text = readFileSync(FILE, 'utf8');
  const objects = text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as SavedObject);
  const byKey = new Map(objects.map((object) => [`${object.type}/${object.id}`, object]));

  it('is what `npm run kibana -w @elkhound/report` writes (never edited by hand, never stale)', () => {
    assert.equal(text, kibanaNdjson());
  });

  it('has unique ids, and every reference resolves to an object of the file', () => {
    assert.equal(byKey.size, objects.length);
    for (const object of objects)
      for (const reference of object.references)
        assert.ok(
          byKey.has(`${reference.type}/${reference.id}`),
          `${object.id} → ${reference.type}/${reference.id}`,
        );
  });

  it('has the three data views, with titles matching the data streams and @timestamp as time field', () => {
    const views = objects.filter((object) => object.type === 'index-pattern');
    assert.deepEqual(views.map((view) => view.attributes.title).sort(), [
      'logs-elkhound-*',
      'metrics-elkhound-*',
      'traces-elkhound-*',
    ]);
    for (const view of views) {
      const pattern = new RegExp(`^${String(view.attributes.title).replace('*', '[a-z0-9_.-]+')}$`);
      const signal = String(view.attributes.title).split('-')[0] as string;
      assert.match(`${signal}-elkhound-default`, pattern);
      assert.match(`${signal}-elkhound-production`, pattern);
      assert.doesNotMatch(`${signal}-apm-default`, pattern);
      assert.equal(view.attributes.timeFieldName, '@timestamp');
    }
  });

  it('the dashboard "LLM cost and reliability" has the report\'s panels, each a reference of its own', () => {
    const dashboard = byKey.get('dashboard/elkhound-llm-cost-and-reliability') as SavedObject;
    assert.equal(dashboard.attributes.title, 'LLM cost and reliability');
    const panels = JSON.parse(String(dashboard.attributes.panelsJSON)) as Array<{
      panelIndex: string;
      panelRefName: string;
      type: string;
    }>;
    assert.equal(panels.length, dashboard.references.length);
    for (const panel of panels) {
      const reference = dashboard.references.find(
        (candidate) => candidate.name === `${panel.panelIndex}:${panel.panelRefName}`,
      );
      assert.ok(reference, `panel ${panel.panelIndex} has its reference`);
      assert.equal(reference.type, panel.type);
    }
    const titles = dashboard.references.map((reference) =>
      String(byKey.get(`${reference.type}/${reference.id}`)?.attributes.title),
    );
    for (const expected of [
      'Cost (USD)',
      'Cost over time by model (USD)',
      'Cost and tokens by model',
      'Cost and tokens by service',
      'Errors over time by elkhound.error.category',
      'Latency and time to first chunk by model',
      'Duplicate prompts (elkhound.prompt.hash)',
      'Unpriced models (add them with ELKHOUND_PRICING_FILE)',
      'Elkhound: GenAI errors by category',
    ])
      assert.ok(titles.includes(expected), `the dashboard shows "${expected}"`);
    assert.ok(byKey.has('search/elkhound-search-prompt-hash'));
  });

  it("every field a panel or a search uses exists in the data streams' real mapping, aggregatable where aggregated", async () => {
    const { url } = await ensureElasticsearch();
    const namespace = `kibana${Date.now().toString(36)}`;
    await setupElasticsearch({ url });
    const writer = new BulkWriter({ connection: { url } });
    await writer.send(documents(namespace, Date.now()));
    await writer.close();
    const response = await fetch(`${url}/traces-elkhound-${namespace}/_field_caps?fields=*`);
    const caps = (await response.json()) as {
      fields: Record<string, Record<string, { aggregatable: boolean }>>;
    };
    const used = fieldsUsed(objects);
    assert.ok(used.size >= 12, `fields used: ${[...used.keys()].join(', ')}`);
    for (const [field, use] of used) {
      assert.equal(use.dataView, DATA_VIEWS.traces.id, field);
      const types = caps.fields[field];
      assert.ok(types, `${field} is mapped in traces-elkhound-*`);
      if (use.aggregated)
        assert.ok(
          Object.values(types).every((type) => type.aggregatable),
          `${field} is aggregatable: ${JSON.stringify(types)}`,
        );
    }
  });
});
