import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import type { EcsDocument } from '@elkhound/ecs';
import { DurableQueue, QueueFullError } from '../src/queue/durable-queue';
import { temporaryDirectory } from './support/sidecar-process';

const document = (index: number): EcsDocument => ({
  id: `id-${index}`,
  dataStream: 'traces-elkhound-default',
  source: JSON.stringify({
    '@timestamp': '2026-01-01T00:00:00Z',
    message: `line ${index}\nwith "quotes" é`,
  }),
});

/** A document's content, whatever kind of object the queue gives it back as. */
const fieldsOf = (entry: EcsDocument | undefined) =>
  entry && { id: entry.id, dataStream: entry.dataStream, source: entry.source };

async function readAll(queue: DurableQueue, commit = true): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const batch = await queue.next(64 * 1024, () => true);
    if (!batch) return ids;
    ids.push(...batch.documents.map((entry) => entry.id));
    if (commit) await queue.commit(batch);
  }
}

const options = { maxBytes: 10 * 1024 * 1024, segmentBytes: 4096 };

describe('durable queue', () => {
  it('gives back appended documents in order, intact, across segments', async () => {
    const directory = temporaryDirectory('queue');
    const queue = await DurableQueue.open(directory, options);
    for (let index = 0; index < 100; index++)
      await queue.append([document(index), document(index + 1000)]);
    assert.equal(queue.documents, 200);
    assert.ok(
      readdirSync(directory).filter((name) => name.endsWith('.wal')).length > 3,
      'rotated into segments',
    );
    const batch = await queue.next(1 << 20);
    assert.deepEqual(fieldsOf(batch?.documents[0]), document(0));
    assert.deepEqual(fieldsOf(batch?.documents[1]), document(1000));
    await queue.close();
  });

  it("keeps the encoders' documents (a head of their own and a shared tail) whole, unicode included", async () => {
    const queue = await DurableQueue.open(temporaryDirectory('queue'), options);
    const tail = ',"data_stream":{"namespace":"default"},"service":{"name":"caisse ✓"}}';
    const documents: EcsDocument[] = ['é', '🚀', 'plain'].map((text, index) => {
      const head = `{"message":${JSON.stringify(text)}`;
      return {
        id: `h${index}`,
        dataStream: 'logs-elkhound-default',
        source: head + tail,
        head,
        tail,
      };
    });
    await queue.append(documents);
    const batch = await queue.next(1 << 20);
    assert.deepEqual(batch?.documents.map(fieldsOf), documents.map(fieldsOf));
    await queue.close();
  });

  it('still reads the records of the first version (id, data stream and source as text lines)', async () => {
    // What a sidecar before bulk-line records left in its queue: [length][CRC] then
    // [count][`id \t dataStream \t source \n` lines].
    const directory = temporaryDirectory('queue');
    const documents = [document(1), document(2)];
    const text = Buffer.from(
      documents.map((entry) => `${entry.id}\t${entry.dataStream}\t${entry.source}\n`).join(''),
    );
    const payload = Buffer.concat([Buffer.alloc(4), text]);
    payload.writeUInt32LE(documents.length, 0);
    const header = Buffer.alloc(8);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    writeFileSync(
      join(directory, 'segment-0000000000000000.wal'),
      Buffer.concat([header, payload]),
    );
    const queue = await DurableQueue.open(directory, options);
    assert.equal(queue.documents, 2);
    await queue.append([document(3)]);
    const read: EcsDocument[] = [];
    for (;;) {
      const batch = await queue.next(1 << 20, () => true);
      if (!batch) break;
      read.push(...batch.documents);
      await queue.commit(batch);
    }
    assert.deepEqual(read.map(fieldsOf), [document(1), document(2), document(3)]);
    await queue.close();
  });

  it('group commit: concurrent appends share fsyncs', async () => {
    const queue = await DurableQueue.open(temporaryDirectory('queue'), {
      ...options,
      segmentBytes: 1 << 20,
    });
    await Promise.all(Array.from({ length: 200 }, (_, index) => queue.append([document(index)])));
    assert.equal(queue.documents, 200);
    assert.ok(queue.syncs < 50, `expected far fewer fsyncs than 200 appends, got ${queue.syncs}`);
    await queue.close();
  });

  it('after a restart, starts at the persisted cursor and deletes acknowledged segments', async () => {
    const directory = temporaryDirectory('queue');
    const first = await DurableQueue.open(directory, options);
    for (let index = 0; index < 60; index++) await first.append([document(index)]);
    const batch = await first.next(2048);
    assert.ok(batch);
    await first.commit(batch);
    const acknowledged = batch.documents.length;
    // A batch read but not committed must come back after the restart.
    await first.next(2048);
    await first.close();

    const second = await DurableQueue.open(directory, options);
    assert.equal(second.documents, 60 - acknowledged);
    const ids = await readAll(second);
    assert.deepEqual(
      ids,
      Array.from({ length: 60 - acknowledged }, (_, index) => `id-${index + acknowledged}`),
    );
    await second.close();
    const third = await DurableQueue.open(directory, options);
    assert.equal(third.documents, 0);
    assert.deepEqual(await readAll(third), []);
    assert.equal(
      readdirSync(directory).filter((name) => name.endsWith('.wal')).length,
      1,
      'only the fresh segment',
    );
    await third.close();
  });

  it('a torn last record (crash mid-write) is cut off; the records before it survive', async () => {
    const directory = temporaryDirectory('queue');
    const queue = await DurableQueue.open(directory, { ...options, segmentBytes: 1 << 20 });
    for (let index = 0; index < 5; index++) await queue.append([document(index)]);
    await queue.close();
    const segment = join(
      directory,
      readdirSync(directory)
        .filter((name) => name.endsWith('.wal'))
        .sort()[0] as string,
    );
    const size = statSync(segment).size;
    truncateSync(segment, size - 7);
    const reopened = await DurableQueue.open(directory, options);
    assert.deepEqual(await readAll(reopened), ['id-0', 'id-1', 'id-2', 'id-3']);
    assert.ok(statSync(segment).size < size - 7 || !readdirSync(directory).includes(segment));
    await reopened.close();
  });

  it('a record whose bytes were changed (CRC mismatch) and garbage after it are dropped', async () => {
    const directory = temporaryDirectory('queue');
    const queue = await DurableQueue.open(directory, { ...options, segmentBytes: 1 << 20 });
    for (let index = 0; index < 3; index++) await queue.append([document(index)]);
    await queue.close();
    const segment = join(
      directory,
      readdirSync(directory)
        .filter((name) => name.endsWith('.wal'))
        .sort()[0] as string,
    );
    appendFileSync(segment, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
    const reopened = await DurableQueue.open(directory, options);
    assert.deepEqual(await readAll(reopened, false), ['id-0', 'id-1', 'id-2']);
    await reopened.close();
  });

  it('refuses appends beyond the disk budget with QueueFullError, and takes them again once drained', async () => {
    const queue = await DurableQueue.open(temporaryDirectory('queue'), {
      maxBytes: 2000,
      segmentBytes: 1000,
    });
    let accepted = 0;
    let refused: unknown;
    for (let index = 0; index < 50 && !refused; index++) {
      await queue.append([document(index)]).then(
        () => accepted++,
        (error: unknown) => (refused = error),
      );
    }
    assert.ok(refused instanceof QueueFullError);
    assert.ok(accepted > 5 && accepted < 50);
    assert.ok(queue.bytes <= 2000);
    assert.equal((await readAll(queue)).length, accepted);
    await queue.append([document(99)]);
    await queue.close();
  });
});
