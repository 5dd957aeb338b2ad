import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { EcsDocument } from '@elkhound/ecs';
import { silentLogger, type Logger } from '../log';
import {
  decodeDocuments,
  documentCount,
  encodeRecord,
  HEADER_BYTES,
  MAX_RECORD_BYTES,
  payloadIntact,
} from './record';

/** A place in the queue: a segment and a byte offset in it. */
export interface QueuePosition {
  segment: number;
  offset: number;
}

/** Documents read from the queue, and where the queue stands once they are acknowledged. */
export interface QueueBatch {
  documents: EcsDocument[];
  end: QueuePosition;
  bytes: number;
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
  constructor(readonly retryAfterSeconds: number) {
    super('the queue has reached its disk budget');
  }
}

export interface DurableQueueOptions {
  /** Disk budget: bytes not yet acknowledged by the sink. */
  maxBytes: number;
  segmentBytes: number;
  /** Sent back with QueueFullError (Retry-After). Default 5. */
  retryAfterSeconds?: number;
  logger?: Logger;
}

interface Segment {
  sequence: number;
  /** Bytes written and fsynced: readers never go past this. */
  size: number;
}

interface PendingAppend {
  record: Buffer;
  documents: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const SEGMENT_PATTERN = /^segment-(\d{16})\.wal$/;
const segmentName = (sequence: number): string =>
  `segment-${String(sequence).padStart(16, '0')}.wal`;

/**
 * The write-ahead queue between the receiver and the sink: a directory of segment files.
 *
 * `append()` resolves only once its record is written and fsynced. Appends that arrive while a
 * write is in flight are written together with one fsync (group commit), so many concurrent
 * requests share the cost of a disk flush. The consumer reads records in order with `next()`
 * and calls `commit()` once the sink has settled them; the cursor is then persisted (write,
 * fsync, rename) and segments wholly before it are deleted. After a crash, `open()` checks every
 * record's length and CRC and truncates a torn tail, and the consumer starts again at the
 * persisted cursor: a record may be sent twice, which deterministic ids turn into a no-op.
 */
export class DurableQueue {
  private readonly segments: Segment[] = [];
  private active!: { sequence: number; handle: FileHandle; size: number };
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | undefined;
  private readPosition: QueuePosition;
  private committed: QueuePosition;
  private readHandle: { sequence: number; handle: FileHandle } | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly logger: Logger;
  /** Documents appended and not yet committed. */
  documents = 0;
  /** Bytes on disk not yet committed (the disk budget counts these). */
  bytes = 0;
  /** fsyncs of appended data so far: fewer than appends under concurrency (group commit). */
  syncs = 0;

  private constructor(
    private readonly directory: string,
    private readonly options: DurableQueueOptions,
    cursor: QueuePosition,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.readPosition = { ...cursor };
    this.committed = { ...cursor };
  }

  static async open(directory: string, options: DurableQueueOptions): Promise<DurableQueue> {
    await mkdir(directory, { recursive: true });
    const cursor = await readCursor(directory);
    const queue = new DurableQueue(directory, options, cursor);
    await queue.recover();
    return queue;
  }

  /** Where the consumer stands, as persisted. */
  get position(): QueuePosition {
    return { ...this.committed };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether a request of about `bytes` would fit the budget now. */
  hasRoomFor(bytes: number): boolean {
    return this.bytes + this.pendingBytes + bytes <= this.options.maxBytes;
  }

  /** Resolves once the documents are on disk (fsynced); rejects with QueueFullError when over budget. */
  append(documents: readonly EcsDocument[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the queue is closed'));
    if (documents.length === 0) return Promise.resolve();
    const record = encodeRecord(documents);
    if (!this.hasRoomFor(record.length)) {
      return Promise.reject(new QueueFullError(this.options.retryAfterSeconds ?? 5));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, documents: documents.length, resolve, reject });
      this.pendingBytes += record.length;
      this.writing ??= this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    // `writing` is cleared in the same tick as the loop sees nothing pending: an append made by
    // a caller resuming from this batch then starts a new loop instead of joining a finished one.
    for (;;) {
      if (this.pending.length === 0) {
        this.writing = undefined;
        return;
      }
      const batch = this.pending;
      const batchBytes = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      const startSize = this.active.size;
      try {
        if (startSize > 0 && startSize + batchBytes > this.options.segmentBytes) {
          await this.rotate();
        }
        const active = this.active;
        let offset = active.size;
        const buffers = batch.map((entry) => entry.record);
        let written = (await active.handle.writev(buffers, offset)).bytesWritten;
        // A short write (rare on files) continues from where it stopped.
        while (written < batchBytes) {
          const rest = Buffer.concat(buffers).subarray(written);
          written += (await active.handle.write(rest, 0, rest.length, offset + written))
            .bytesWritten;
        }
        await active.handle.datasync();
        this.syncs++;
        offset += batchBytes;
        active.size = offset;
        const segment = this.segments[this.segments.length - 1] as Segment;
        segment.size = offset;
        this.bytes += batchBytes;
        for (const entry of batch) this.documents += entry.documents;
        for (const entry of batch) entry.resolve();
        this.notify();
      } catch (error) {
        // Nothing of this batch is acknowledged: cut the file back so no half-written record
        // stays in front of the next ones.
        await this.active.handle.truncate(this.active.size).catch(() => undefined);
        for (const entry of batch) entry.reject(error);
      }
    }
  }

  private async rotate(): Promise<void> {
    const sequence = this.active.sequence + 1;
    const handle = await open(join(this.directory, segmentName(sequence)), 'w+');
    await this.syncDirectory();
    const previous = this.active.handle;
    this.active = { sequence, handle, size: 0 };
    this.segments.push({ sequence, size: 0 });
    await previous.close();
  }

  /**
   * The next documents, about `maxBytes` of records (at least one record), waiting until some
   * are there; undefined once the queue is closed.
   */
  async next(
    maxBytes: number,
    stopWhenEmpty: () => boolean = () => false,
  ): Promise<QueueBatch | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const index = this.segments.findIndex(
        (segment) => segment.sequence === this.readPosition.segment,
      );
      const segment = index === -1 ? undefined : this.segments[index];
      if (segment && this.readPosition.offset < segment.size) {
        return this.readFrom(segment, maxBytes);
      }
      const following = this.segments.find(
        (candidate) => candidate.sequence > this.readPosition.segment,
      );
      if (following) {
        this.readPosition = { segment: following.sequence, offset: 0 };
        continue;
      }
      if (stopWhenEmpty()) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private async readFrom(segment: Segment, maxBytes: number): Promise<QueueBatch> {
    if (this.readHandle?.sequence !== segment.sequence) {
      await this.readHandle?.handle.close();
      this.readHandle = {
        sequence: segment.sequence,
        handle: await open(join(this.directory, segmentName(segment.sequence)), 'r'),
      };
    }
    const handle = this.readHandle.handle;
    const start = this.readPosition.offset;
    const available = segment.size - start;
    let chunk = Buffer.allocUnsafe(Math.min(available, Math.max(maxBytes, HEADER_BYTES)));
    await readFully(handle, chunk, start);
    let offset = 0;
    const documents: EcsDocument[] = [];
    while (offset + HEADER_BYTES <= chunk.length) {
      const length = chunk.readUInt32LE(offset);
      const end = offset + HEADER_BYTES + length;
      if (end > chunk.length) {
        if (offset > 0) break;
        // One record larger than the chunk: read exactly that record.
        chunk = Buffer.allocUnsafe(HEADER_BYTES + length);
        await readFully(handle, chunk, start);
        decodeDocuments(chunk.subarray(HEADER_BYTES), documents);
        offset = chunk.length;
        break;
      }
      decodeDocuments(chunk.subarray(offset + HEADER_BYTES, end), documents);
      offset = end;
    }
    this.readPosition = { segment: segment.sequence, offset: start + offset };
    return { documents, end: { ...this.readPosition }, bytes: offset };
  }

  /**
   * The sink has settled every document up to `batch.end` (batches are committed in the order
   * `next()` gave them). Persists the cursor, then deletes the segments wholly before it.
   */
  async commit(batch: QueueBatch): Promise<void> {
    this.documents -= batch.documents.length;
    this.bytes -= batch.bytes;
    this.committed = { ...batch.end };
    const temporary = join(this.directory, 'cursor.tmp');
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify(this.committed));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(this.directory, 'cursor'));
    while (
      this.segments.length > 1 &&
      (this.segments[0] as Segment).sequence < this.committed.segment
    ) {
      const finished = this.segments.shift() as Segment;
      if (this.readHandle?.sequence === finished.sequence) {
        await this.readHandle.handle.close();
        this.readHandle = undefined;
      }
      await rm(join(this.directory, segmentName(finished.sequence)), { force: true });
    }
  }

  /** Waits for appends in flight, then stops; `next()` returns undefined from now on. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing) await this.writing;
    this.closed = true;
    this.notify();
    await this.active.handle.close();
    await this.readHandle?.handle.close();
    this.readHandle = undefined;
  }

  /** Wakes a consumer waiting in `next()` (so it can see it should stop). */
  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async syncDirectory(): Promise<void> {
    const handle = await open(this.directory, 'r');
    try {
      await handle.sync();
    } catch {
      // Some filesystems refuse fsync on a directory; the file's own fsync still holds its data.
    } finally {
      await handle.close();
    }
  }

  /** Checks every record after the cursor, truncates a torn tail, and opens a fresh segment. */
  private async recover(): Promise<void> {
    const names = (await readdir(this.directory))
      .filter((name) => SEGMENT_PATTERN.test(name))
      .sort();
    let lastSequence = 0;
    for (const name of names) {
      const sequence = Number(SEGMENT_PATTERN.exec(name)?.[1]);
      lastSequence = Math.max(lastSequence, sequence);
      const path = join(this.directory, name);
      if (sequence < this.committed.segment) {
        await rm(path, { force: true });
        continue;
      }
      const { size, documents, bytes, torn } = await scanSegment(
        path,
        sequence === this.committed.segment ? this.committed.offset : 0,
      );
      if (torn) {
        this.logger.warn('queue segment ends in a torn record (crash while writing); cut it off', {
          'file.path': path,
          'elkhound.queue.kept_bytes': size,
        });
      }
      if (size === 0 || (sequence === this.committed.segment && size <= this.committed.offset)) {
        // Wholly acknowledged (or empty): nothing in it will be read again.
        await rm(path, { force: true });
        continue;
      }
      this.segments.push({ sequence, size });
      this.documents += documents;
      this.bytes += bytes;
    }
    if (this.committed.segment > lastSequence) {
      this.committed = { segment: lastSequence + 1, offset: 0 };
      this.readPosition = { ...this.committed };
    }
    const first = this.segments.find((segment) => segment.sequence === this.committed.segment);
    if (first && this.committed.offset > first.size) {
      this.committed.offset = first.size;
      this.readPosition.offset = first.size;
    }
    const sequence = lastSequence + 1;
    const handle = await open(join(this.directory, segmentName(sequence)), 'w+');
    await this.syncDirectory();
    this.active = { sequence, handle, size: 0 };
    this.segments.push({ sequence, size: 0 });
    if (this.documents > 0) {
      this.logger.info('queue recovered documents not yet acknowledged', {
        'elkhound.queue.documents': this.documents,
        'elkhound.queue.bytes': this.bytes,
      });
    }
  }
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new Error('queue segment is shorter than its records say');
    done += bytesRead;
  }
}

async function readCursor(directory: string): Promise<QueuePosition> {
  try {
    const parsed = JSON.parse(
      await readFile(join(directory, 'cursor'), 'utf8'),
    ) as Partial<QueuePosition>;
    if (Number.isInteger(parsed.segment) && Number.isInteger(parsed.offset)) {
      return { segment: parsed.segment as number, offset: parsed.offset as number };
    }
  } catch {
    // No cursor yet (a new data directory): start at the beginning.
  }
  return { segment: 0, offset: 0 };
}

/**
 * Walks the records of one segment; the first one whose length or CRC is wrong marks the end
 * (a torn write): the file is truncated there. Counts documents and bytes from `from` on.
 */
async function scanSegment(
  path: string,
  from: number,
): Promise<{ size: number; documents: number; bytes: number; torn: boolean }> {
  const handle = await open(path, 'r+');
  try {
    const fileSize = (await handle.stat()).size;
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    let offset = 0;
    let documents = 0;
    let bytes = 0;
    while (offset + HEADER_BYTES <= fileSize) {
      await readFully(handle, header, offset);
      const length = header.readUInt32LE(0);
      if (length < 4 || length > MAX_RECORD_BYTES || offset + HEADER_BYTES + length > fileSize)
        break;
      const payload = Buffer.allocUnsafe(length);
      await readFully(handle, payload, offset + HEADER_BYTES);
      if (!payloadIntact(header, payload)) break;
      if (offset >= from) {
        documents += documentCount(payload);
        bytes += HEADER_BYTES + length;
      }
      offset += HEADER_BYTES + length;
    }
    const torn = offset < fileSize;
    if (torn) {
      await handle.truncate(offset);
      await handle.datasync();
    }
    return { size: offset, documents, bytes, torn };
  } finally {
    await handle.close();
  }
}
