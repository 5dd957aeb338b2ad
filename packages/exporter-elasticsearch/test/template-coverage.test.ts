import assert from 'node:assert/strict';
import { componentTemplates, type Signal } from '../src/templates';
import { loadGoldenCases, readExpected } from '../../ecs/test/golden-cases';

interface MappingNode {
  type?: string;
  enabled?: boolean;
  properties?: Record<string, MappingNode>;
}

function propertiesOf(name: string): Record<string, MappingNode> {
  const template = componentTemplates()[name] as {
    template: { mappings: { properties: Record<string, MappingNode> } };
  };
  return template.template.mappings.properties;
}

/** The explicit type of a dotted path, or the flattened/disabled object that holds it. */
function explicitType(properties: Record<string, MappingNode>, path: string[]): string | undefined {
  let node: MappingNode | undefined = { properties };
  for (const key of path) {
    if (node.type === 'flattened') return 'flattened';
    if (node.enabled === false) return 'disabled';
    node = node.properties?.[key];
    if (node === undefined) return undefined;
  }
  return node.enabled === false ? 'disabled' : (node.type ?? 'object');
}

// Every field @elkhound/ecs writes must have an explicit mapping: a dynamically mapped field
// takes the type of the first value Elasticsearch sees (an integer cost becomes a long that
// truncates every later fraction). Only labels.* / numeric_labels.* are dynamic by design.
describe('index templates cover the ECS documents', () => {
  it('maps every field of every golden document explicitly', () => {
    const common = propertiesOf('elkhound@mappings-common');
    const bySignal = {
      traces: propertiesOf('elkhound@mappings-traces'),
      logs: propertiesOf('elkhound@mappings-logs'),
      metrics: propertiesOf('elkhound@mappings-metrics'),
    };
    const unmapped = new Set<string>();
    let fields = 0;
    const walk = (signal: Signal, value: unknown, path: string[]): void => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        // A dotted key (`"service.target":{…}`) is mapped as the path its dots spell.
        for (const [key, child] of Object.entries(value))
          walk(signal, child, [...path, ...key.split('.')]);
        return;
      }
      // An array of objects (`error.exception`): each object's fields.
      if (Array.isArray(value) && value.some((item) => item !== null && typeof item === 'object')) {
        for (const item of value) walk(signal, item, path);
        return;
      }
      if (path[0] === 'labels' || path[0] === 'numeric_labels') return;
      fields++;
      const type = explicitType(bySignal[signal], path) ?? explicitType(common, path);
      if (type === undefined || type === 'object') unmapped.add(`${signal}: ${path.join('.')}`);
    };
    for (const goldenCase of loadGoldenCases()) {
      for (const document of readExpected(goldenCase)) {
        walk(document.data_stream.split('-')[0] as Signal, document.source, []);
      }
    }
    assert.ok(fields > 100, `golden documents hold ${fields} fields`);
    assert.deepEqual([...unmapped].sort(), []);
  });
});
