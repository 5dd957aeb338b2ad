// A root hook: after every test of the package (every SDK, operation, stream, error and
// abandonment the suites exercise on the real SDKs), each model-call span Elkhound ended had a
// cost or the unpriced flag with its reason. See EverySpanPriced in ./support/telemetry.
import assert from 'node:assert/strict';
import { estimatesSettled } from '../src/estimator';
import { unpricedSilently } from './support/telemetry';

afterEach(async function everySpanPriced() {
  // Spans still waiting for their estimate end first (they are checked too).
  await estimatesSettled();
  const found = unpricedSilently.splice(0);
  assert.deepEqual(
    found,
    [],
    `spans without a cost or an unpriced reason in "${this.currentTest?.fullTitle()}"`,
  );
});
