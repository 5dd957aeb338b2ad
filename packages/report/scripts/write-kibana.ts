// npm run kibana -w @elkhound/report — rewrites kibana/elkhound.ndjson from src/kibana.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kibanaNdjson } from '../src/kibana';

const file = join(__dirname, '..', '..', '..', 'kibana', 'elkhound.ndjson');
writeFileSync(file, kibanaNdjson());
console.log(`wrote ${file}`);
