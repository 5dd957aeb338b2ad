import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Pricing must never reach the network, at load or at call time. A child process replaces every
// way Node has to open a connection with one that throws, then loads the package and prices.
describe('offline pricing', () => {
  it('loads and prices with every network API refusing', () => {
    const script = `
      const net = require('node:net');
      const refuse = (name) => () => { throw new Error('network used: ' + name); };
      globalThis.fetch = refuse('fetch');
      net.connect = net.createConnection = refuse('net.connect');
      net.Socket.prototype.connect = refuse('Socket.connect');
      require('node:http').request = require('node:http').get = refuse('http');
      require('node:https').request = require('node:https').get = refuse('https');
      require('node:dns').lookup = refuse('dns');
      const { PriceBook } = require(${JSON.stringify(join(__dirname, '..', 'src', 'index.ts'))});
      const book = PriceBook.load({ overridesFile: '' });
      const cost = book.price({ provider: 'gcp.gemini', requestModel: 'gemini-2.0-flash',
        usage: { inputTokens: 1000, outputTokens: 100 } });
      const timed = book.price({ provider: 'openai', requestModel: 'o3',
        usage: { inputTokens: 1000, outputTokens: 100 }, timestamp: new Date() });
      setTimeout(() => process.stdout.write(JSON.stringify([cost, timed])), 50);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--eval', script], {
      encoding: 'utf8',
      env: { ...process.env, ELKHOUND_PRICING_FILE: '' },
      timeout: 20_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const [cost, timed] = JSON.parse(child.stdout) as Array<{ priced: boolean; total: number }>;
    assert.ok(cost && timed);
    // gemini-2.0-flash: 0.1 input, 0.4 output; o3: 2 input, 8 output.
    assert.equal(cost.priced, true);
    assert.ok(Math.abs(cost.total - (1000 * 0.1 + 100 * 0.4) / 1e6) < 1e-12);
    assert.ok(Math.abs(timed.total - (1000 * 2 + 100 * 8) / 1e6) < 1e-12);
  });
});
