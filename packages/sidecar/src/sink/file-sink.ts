import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { EcsDocument } from '@elkhound/ecs';
import { EncodedDocument } from '@elkhound/exporter-elasticsearch';
import type { Sink } from './sink';

export interface FileSinkOptions {
  directory: string;
  /** Rotate a data stream's file once it reaches this size. */
  maxFileBytes: number;
  /** Rotated files kept per data stream (`<stream>.ndjson.1` newest … `.N` oldest). */
  retain: number;
}

interface OpenFile {
  handle: FileHandle;
  size: number;
}

/**
 * The embedded default: one NDJSON file per data stream (`traces-elkhound-default.ndjson`, …),
 * each line a document's `_source`, fsynced before the queue lets go of it. Rotation is the
 * logrotate scheme Filebeat's filestream input follows by inode: the live file is renamed to
 * `.1`, older ones shift up, and the one past the retention count is deleted.
 */
export class FileSink implements Sink {
  readonly kind = 'file';
  private readonly files = new Map<string, OpenFile>();
  private written = 0;
  private previous: Promise<void> = Promise.resolve();

  constructor(private readonly options: FileSinkOptions) {}

  async start(): Promise<void> {
    await mkdir(this.options.directory, { recursive: true });
  }

  send(documents: readonly EcsDocument[]): Promise<void> {
    // The consumer sends several batches at once; writes and rotations must not interleave.
    const turn = this.previous.then(() => this.write(documents));
    this.previous = turn.catch(() => undefined);
    return turn;
  }

  private async write(documents: readonly EcsDocument[]): Promise<void> {
    // Source lines per data stream; a document read from the queue gives its line as bytes.
    const byStream = new Map<string, Buffer[]>();
    for (const document of documents) {
      const line =
        document instanceof EncodedDocument
          ? document.sourceLine()
          : Buffer.from(`${document.source}\n`, 'utf8');
      const lines = byStream.get(document.dataStream);
      if (lines === undefined) byStream.set(document.dataStream, [line]);
      else lines.push(line);
    }
    for (const [dataStream, lines] of byStream) {
      const bytes = Buffer.concat(lines);
      let file = await this.fileFor(dataStream);
      if (file.size > 0 && file.size + bytes.length > this.options.maxFileBytes) {
        await this.rotate(dataStream);
        file = await this.fileFor(dataStream);
      }
      await file.handle.write(bytes, 0, bytes.length, file.size);
      await file.handle.datasync();
      file.size += bytes.length;
    }
    this.written += documents.length;
  }

  path(dataStream: string): string {
    return join(this.options.directory, `${dataStream}.ndjson`);
  }

  private async fileFor(dataStream: string): Promise<OpenFile> {
    let file = this.files.get(dataStream);
    if (!file) {
      const handle = await open(this.path(dataStream), 'a+');
      file = { handle, size: (await handle.stat()).size };
      this.files.set(dataStream, file);
    }
    return file;
  }

  private async rotate(dataStream: string): Promise<void> {
    const file = this.files.get(dataStream);
    this.files.delete(dataStream);
    await file?.handle.close();
    const base = this.path(dataStream);
    await rm(`${base}.${this.options.retain}`, { force: true });
    for (let index = this.options.retain - 1; index >= 1; index--) {
      if (await exists(`${base}.${index}`))
        await rename(`${base}.${index}`, `${base}.${index + 1}`);
    }
    await rename(base, `${base}.1`);
  }

  async notReadyReason(): Promise<string | undefined> {
    return (await exists(this.options.directory)) ? undefined : 'file sink directory missing';
  }

  counters(): Record<'indexed' | 'duplicates' | 'retried' | 'rejected', number> {
    return { indexed: this.written, duplicates: 0, retried: 0, rejected: 0 };
  }

  async close(): Promise<void> {
    for (const file of this.files.values()) await file.handle.close();
    this.files.clear();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
