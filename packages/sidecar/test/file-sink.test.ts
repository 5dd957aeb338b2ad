import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EcsDocument } from '@elkhound/ecs';
import { FileSink } from '../src/sink/file-sink';
import { makeSpans, traceRequestProtobuf } from './support/requests';
import { spawnSidecar, temporaryDirectory, waitForDrain } from './support/sidecar-process';

const document = (index: number, dataStream = 'logs-elkhound-default'): EcsDocument => ({
  id: `id-${index}`,
  dataStream,
  source: JSON.stringify({
    '@timestamp': '2026-01-01T00:00:00Z',
    message: `line ${index}`.padEnd(90, '.'),
  }),
});

describe('NDJSON file sink', () => {
  it('rotates each data stream file by size and keeps only the retention count', async () => {
    const directory = temporaryDirectory('files');
    const sink = new FileSink({ directory, maxFileBytes: 1000, retain: 2 });
    await sink.start();
    for (let index = 0; index < 60; index++) {
      await sink.send([document(index), document(index, 'traces-elkhound-default')]);
    }
    await sink.close();
    const base = join(directory, 'logs-elkhound-default.ndjson');
    assert.deepEqual(
      readdirSync(directory)
        .filter((name) => name.startsWith('logs-'))
        .sort(),
      [
        'logs-elkhound-default.ndjson',
        'logs-elkhound-default.ndjson.1',
        'logs-elkhound-default.ndjson.2',
      ],
    );
    assert.ok(!existsSync(`${base}.3`));
    for (const suffix of ['', '.1', '.2']) assert.ok(statSync(base + suffix).size <= 1000);
    // Newest lines in the live file, the ones just before in .1; every line one JSON document.
    const live = readFileSync(base, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string });
    assert.match(live[live.length - 1]?.message ?? '', /^line 59/);
    const previous = readFileSync(`${base}.1`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string });
    const lastOfPrevious = Number(
      /^line (\d+)/.exec(previous[previous.length - 1]?.message ?? '')?.[1],
    );
    const firstOfLive = Number(/^line (\d+)/.exec(live[0]?.message ?? '')?.[1]);
    assert.equal(lastOfPrevious + 1, firstOfLive);
    assert.ok(existsSync(join(directory, 'traces-elkhound-default.ndjson.2')));
  });

  it('is the default without ELASTICSEARCH_URL: the sidecar writes ECS NDJSON per data stream', async () => {
    const dataDirectory = temporaryDirectory('filesidecar');
    const sidecar = await spawnSidecar(
      { ELKHOUND_FILE_MAX_BYTES: '4KiB', ELKHOUND_FILE_RETAIN: '3' },
      dataDirectory,
    );
    for (let index = 0; index < 10; index++) {
      const response = await fetch(sidecar.url('/v1/traces'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: traceRequestProtobuf(makeSpans(5, 'files')),
      });
      assert.equal(response.status, 200);
    }
    await waitForDrain(sidecar);
    assert.equal((await fetch(sidecar.url('/readyz'))).status, 200);
    assert.equal(await sidecar.stop(), 0);
    const directory = join(dataDirectory, 'ndjson');
    const files = readdirSync(directory).filter((name) =>
      name.startsWith('traces-elkhound-default.ndjson'),
    );
    assert.deepEqual(files.sort(), [
      'traces-elkhound-default.ndjson',
      'traces-elkhound-default.ndjson.1',
      'traces-elkhound-default.ndjson.2',
      'traces-elkhound-default.ndjson.3',
    ]);
    const first = JSON.parse(
      readFileSync(join(directory, files[0] as string), 'utf8').split('\n')[0] as string,
    ) as {
      service: { name: string };
      span: { name: string };
    };
    assert.equal(first.service.name, 'files');
    assert.equal(first.span.name, 'chat gpt-4o');
    // Every line of every file is one whole span document (nothing of the queue's action lines).
    for (const name of files) {
      const lines = readFileSync(join(directory, name), 'utf8').split('\n');
      assert.equal(lines.pop(), '', `${name} ends with a newline`);
      for (const line of lines) {
        const document = JSON.parse(line) as { span?: { id?: string }; create?: unknown };
        assert.equal(document.create, undefined);
        assert.match(document.span?.id ?? '', /^[0-9a-f]{16}$/);
      }
    }
  });
});
