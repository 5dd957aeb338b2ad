import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { InFlightBudget } from '../src/receiver/budget';
import { inflateWithinBudget } from '../src/receiver/inflate';

const MiB = 1024 * 1024;

describe('inflation within the in-flight budget', () => {
  it('inflates gzip and deflate, holding exactly the inflated bytes until released', async () => {
    const original = Buffer.from('x'.repeat(3 * MiB) + 'end');
    for (const [compression, compressed] of [
      ['gzip', gzipSync(original)],
      ['deflate', deflateSync(original)],
    ] as const) {
      const budget = new InFlightBudget(8 * MiB);
      const reservation = budget.reservation();
      const result = await inflateWithinBudget(compressed, compression, 4 * MiB, reservation);
      assert.equal(result.kind, 'inflated');
      assert.ok(result.kind === 'inflated' && result.body.equals(original));
      assert.equal(reservation.bytes, original.length);
      assert.equal(budget.left, 8 * MiB - original.length);
      reservation.release();
      assert.equal(budget.left, 8 * MiB);
    }
  });

  it('stops past the per-request limit: too large, nothing held', async () => {
    const budget = new InFlightBudget(128 * MiB);
    const reservation = budget.reservation();
    const bomb = gzipSync(Buffer.alloc(64 * MiB));
    const result = await inflateWithinBudget(bomb, 'gzip', 4 * MiB, reservation);
    assert.deepEqual(result, { kind: 'too-large', limit: 4 * MiB });
    assert.equal(budget.left, 128 * MiB);
  });

  it('when the budget runs out first: busy for a body within the limit, too large for one past it, nothing held', async () => {
    const budget = new InFlightBudget(8 * MiB);
    const other = budget.reservation();
    assert.ok(other.grow(6 * MiB));
    const fits = gzipSync(Buffer.alloc(3 * MiB));
    const mine = budget.reservation();
    assert.deepEqual(await inflateWithinBudget(fits, 'gzip', 4 * MiB, mine), { kind: 'busy' });
    assert.equal(mine.bytes, 0);
    const bomb = gzipSync(Buffer.alloc(64 * MiB));
    assert.deepEqual(await inflateWithinBudget(bomb, 'gzip', 4 * MiB, mine), {
      kind: 'too-large',
      limit: 4 * MiB,
    });
    assert.equal(budget.left, 2 * MiB);
    other.release();
    assert.deepEqual(
      (await inflateWithinBudget(fits, 'gzip', 4 * MiB, mine)).kind,
      'inflated',
      'the same body once the budget has room',
    );
  });

  it('corrupt input: a reason, nothing held', async () => {
    const budget = new InFlightBudget(8 * MiB);
    const reservation = budget.reservation();
    const cut = gzipSync(Buffer.from('hello world'.repeat(100))).subarray(0, 20);
    const result = await inflateWithinBudget(cut, 'gzip', MiB, reservation);
    assert.equal(result.kind, 'corrupt');
    assert.match(result.kind === 'corrupt' ? result.message : '', /^not valid gzip: /);
    assert.equal(budget.left, 8 * MiB);
    const garbage = await inflateWithinBudget(
      Buffer.from('not deflate'),
      'deflate',
      MiB,
      reservation,
    );
    assert.equal(garbage.kind, 'corrupt');
    assert.equal(budget.left, 8 * MiB);
  });
});
