import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = join(__dirname, '..', 'bin', 'elkhound.js');

describe('elkhound setup and usage', () => {
  it('elkhound setup installs or confirms the templates, idempotently', async () => {
    const environment = {
      PATH: process.env.PATH,
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
    };
    await run(process.execPath, [BIN, 'setup'], { env: environment });
    const second = await run(process.execPath, [BIN, 'setup'], { env: environment });
    // The second run finds everything current: nothing written.
    assert.match(second.stdout, /installed: \(none\)/);
    assert.match(second.stdout, /already current: [1-9]\d*/);
  });

  it('elkhound setup without Elasticsearch says what is missing (exit 1)', async () => {
    const failure = await run(process.execPath, [BIN, 'setup'], {
      env: { PATH: process.env.PATH },
    }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((failure as { code?: number }).code, 1);
    assert.match(failure.stderr, /ELASTICSEARCH_URL .* is not set/);
  });

  it('an unknown command prints the usage (exit 2)', async () => {
    const failure = await run(process.execPath, [BIN, 'frobnicate']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal((failure as { code?: number }).code, 2);
    assert.match(failure.stderr, /unknown command "frobnicate"/);
    assert.match(failure.stderr, /dlq replay/);
  });
});
