import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { elkhoundRoles } from '@elkhound/exporter-elasticsearch';

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

  it('elkhound setup --print-roles prints the role descriptors the cluster suite proves, with no connection', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'setup', '--print-roles'], {
      env: { PATH: process.env.PATH },
    });
    // Each `PUT /_security/role/<name>` line is followed by its JSON body.
    const printed: Record<string, unknown> = {};
    for (const match of stdout.matchAll(/^PUT \/_security\/role\/(\w+)\n(\{[\s\S]*?\n\})/gm)) {
      printed[match[1] as string] = JSON.parse(match[2] as string);
    }
    assert.deepEqual(printed, elkhoundRoles());
    assert.match(stdout, /POST \/_security\/api_key/);
    assert.match(stdout, /ELKHOUND_SETUP=false/);
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
