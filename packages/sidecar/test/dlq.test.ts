import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { elasticsearchClient } from '@elkhound/test-support';
import type { DeadLetter } from '../src/dlq/dead-letter-queue';
import { logsRequestProtobuf } from './support/requests';
import {
  spawnSidecar,
  temporaryDirectory,
  uniqueNamespace,
  waitForDrain,
} from './support/sidecar-process';

const run = promisify(execFile);
const BIN = join(__dirname, '..', 'bin', 'elkhound.js');

describe('dead-letter queue', function () {
  this.timeout(90_000);

  it('a mapping conflict lands in the DLQ with the reason; after the fix, elkhound dlq replay indexes it', async () => {
    const namespace = uniqueNamespace('dlq');
    const dataStream = `logs-elkhound-${namespace}`;
    const templateName = `elkhound-test-conflict-${namespace}`;
    const client = elasticsearchClient();
    const dataDirectory = temporaryDirectory('dlq');
    const environment = {
      PATH: process.env.PATH,
      ELKHOUND_DATA_DIR: dataDirectory,
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
    };
    try {
      // A conflicting template (as a colleague's mistake would be): `message` as a number.
      await client.indices.putIndexTemplate({
        name: templateName,
        index_patterns: [`${dataStream}*`],
        data_stream: {},
        priority: 1000,
        template: { mappings: { properties: { message: { type: 'long' } } } },
      });
      const sidecar = await spawnSidecar(
        { ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL, ELKHOUND_NAMESPACE: namespace },
        dataDirectory,
      );
      const response = await fetch(sidecar.url('/v1/logs'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: logsRequestProtobuf(3),
      });
      assert.equal(response.status, 200);
      await waitForDrain(sidecar);
      const metrics = await (await fetch(sidecar.url('/metrics'))).text();
      assert.match(metrics, /elkhound_documents_total\{outcome="dead_lettered"\} 3/);
      assert.equal(await sidecar.stop(), 0);

      const listed = await run(process.execPath, [BIN, 'dlq', 'list', '--json'], {
        env: environment,
      });
      const letters = listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as DeadLetter);
      assert.equal(letters.length, 3);
      for (const letter of letters) {
        assert.equal(letter.status, 400);
        assert.equal(letter.dataStream, dataStream);
        assert.match(letter.errorType, /parsing_exception/);
        assert.match(letter.reason, /message/);
        assert.match(letter.source, /"message":"log \d"/);
      }
      const table = await run(process.execPath, [BIN, 'dlq', 'list'], { env: environment });
      assert.match(table.stdout, /3 dead letter\(s\)/);

      // The fix: remove the bad template, roll the data stream over onto the right mappings.
      await client.indices.deleteIndexTemplate({ name: templateName });
      await client.indices.rollover({ alias: dataStream });
      const replay = await run(process.execPath, [BIN, 'dlq', 'replay'], { env: environment });
      assert.match(replay.stdout, /replayed 3: 3 acknowledged, 0 rejected again/);
      const after = await run(process.execPath, [BIN, 'dlq', 'list'], { env: environment });
      assert.match(after.stdout, /no dead letters/);
      await client.indices.refresh({ index: dataStream });
      const found = await client.search<{ message: string }>({ index: dataStream, size: 10 });
      assert.deepEqual(found.hits.hits.map((hit) => hit._source?.message).sort(), [
        'log 0',
        'log 1',
        'log 2',
      ]);
    } finally {
      await client.indices.deleteIndexTemplate({ name: templateName }).catch(() => undefined);
      await client.close();
    }
  });

  it('replay keeps what Elasticsearch rejects again, with the new reason', async () => {
    const namespace = uniqueNamespace('dlqkeep');
    const dataStream = `logs-elkhound-${namespace}`;
    const templateName = `elkhound-test-conflict-${namespace}`;
    const client = elasticsearchClient();
    const dataDirectory = temporaryDirectory('dlqkeep');
    const environment = {
      PATH: process.env.PATH,
      ELKHOUND_DATA_DIR: dataDirectory,
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
    };
    try {
      await client.indices.putIndexTemplate({
        name: templateName,
        index_patterns: [`${dataStream}*`],
        data_stream: {},
        priority: 1000,
        template: { mappings: { properties: { message: { type: 'long' } } } },
      });
      const sidecar = await spawnSidecar(
        { ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL, ELKHOUND_NAMESPACE: namespace },
        dataDirectory,
      );
      await fetch(sidecar.url('/v1/logs'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: logsRequestProtobuf(2),
      });
      await waitForDrain(sidecar);
      assert.equal(await sidecar.stop(), 0);
      const replay = await run(process.execPath, [BIN, 'dlq', 'replay'], {
        env: environment,
      }).catch((error: { code: number; stdout: string }) => error);
      assert.equal((replay as { code?: number }).code, 1);
      assert.match(replay.stdout, /replayed 2: 0 acknowledged, 2 rejected again/);
      const listed = await run(process.execPath, [BIN, 'dlq', 'list', '--json'], {
        env: environment,
      });
      assert.equal(listed.stdout.trim().split('\n').length, 2);
    } finally {
      await client.indices.deleteIndexTemplate({ name: templateName }).catch(() => undefined);
      await client.close();
    }
  });
});
