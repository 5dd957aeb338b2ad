import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGoldenCases, readExpected } from './golden-cases';

// Fields whose children are free-form (labels, flattened content) are documented as a whole.
const OPEN_ENDED = [
  'labels',
  'numeric_labels',
  'body.structured',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'span.links',
];

function leafPaths(value: unknown, prefix: string, out: Set<string>): void {
  if (OPEN_ENDED.includes(prefix)) {
    out.add(prefix);
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value))
      leafPaths(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.add(prefix);
  }
}

describe('docs/ecs-mapping.md', () => {
  it('documents every field the golden documents contain', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'ecs-mapping.md'), 'utf8');
    const paths = new Set<string>();
    for (const goldenCase of loadGoldenCases()) {
      for (const document of readExpected(goldenCase)) leafPaths(document.source, '', paths);
    }
    const undocumented = [...paths].filter(
      (path) =>
        !doc.includes(`\`${path}\``) &&
        !(path.startsWith('labels') && doc.includes('`labels.*`')) &&
        !(path.startsWith('numeric_labels') && doc.includes('`numeric_labels.*`')),
    );
    assert.deepEqual(undocumented, []);
  });
});
