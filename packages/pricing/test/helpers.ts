import assert from 'node:assert/strict';
import type { Cost } from '../src';

export type PricedCost = Extract<Cost, { priced: true }>;

/** Equal within floating-point noise: the costs are sums of products of decimals. */
export function close(actual: number, expected: number): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 + Math.abs(expected) * 1e-9,
    `${actual} != ${expected}`,
  );
}

export function priced(cost: Cost): PricedCost {
  assert.equal(cost.priced, true, JSON.stringify(cost));
  return cost as PricedCost;
}

export function unpriced(cost: Cost): Extract<Cost, { priced: false }> {
  assert.equal(cost.priced, false, JSON.stringify(cost));
  assert.ok(!('total' in cost), 'an unpriced cost carries no total, not even 0');
  return cost as Extract<Cost, { priced: false }>;
}
