import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { pause } from '../src/pause';

describe('pause (the back-off of the retry loops)', () => {
  it('leaves no abort listener behind, however many waits', async () => {
    const abort = new AbortController();
    for (let wait = 0; wait < 50; wait++) await pause(1, abort.signal);
    assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
  });

  it('ends at once when the signal aborts, without rejecting', async () => {
    const abort = new AbortController();
    const started = performance.now();
    const waiting = pause(60_000, abort.signal);
    abort.abort(new Error('stopping'));
    await waiting;
    assert.ok(performance.now() - started < 1_000);
    await pause(60_000, abort.signal);
  });
});
