// npm run golden -w @elkhound/ecs — rewrites every testdata/<case>/expected.json from the
// current mapping. Review the diff: the output schema is a product.
import { loadGoldenCases, writeExpected } from '../test/golden-cases';

for (const goldenCase of loadGoldenCases()) {
  writeExpected(goldenCase);
  console.log(`wrote testdata/${goldenCase.name}/expected.json`);
}
