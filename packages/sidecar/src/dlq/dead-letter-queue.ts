import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EcsDocument } from '@elkhound/ecs';
import type { RejectedDocument } from '@elkhound/exporter-elasticsearch';
import { appendLetters, readLetters, takeLettersAside } from './letter-file';

/** One document Elasticsearch refused for good, with its reason: one JSON line in the file. */
export interface DeadLetter {
  time: string;
  status: number;
  errorType: string;
  reason: string;
  hint: string;
  dataStream: string;
  id: string;
  /** The document's `_source`, as it was sent. */
  source: string;
}

export const DEAD_LETTER_FILE = 'dead-letters.ndjson';

/**
 * The dead-letter queue: an append-only NDJSON file in `<data dir>/dlq`, one record per
 * document. Appends are synchronous and fsynced because the bulk writer's `onRejected` must
 * finish before the queue record holding those documents may be committed; rejections are rare,
 * so the blocking write is cheap next to losing a document.
 */
export class DeadLetterQueue {
  readonly path: string;

  constructor(readonly directory: string) {
    this.path = join(directory, DEAD_LETTER_FILE);
  }

  async open(): Promise<this> {
    await mkdir(this.directory, { recursive: true });
    return this;
  }

  appendRejected(rejected: readonly RejectedDocument[], now = new Date()): void {
    const time = now.toISOString();
    this.appendLetters(
      rejected.map((entry) => ({
        time,
        status: entry.status,
        errorType: entry.errorType,
        reason: entry.reason,
        hint: entry.hint,
        dataStream: entry.document.dataStream,
        id: entry.document.id,
        source: entry.document.source,
      })),
    );
  }

  appendLetters(letters: readonly DeadLetter[]): void {
    appendLetters(this.path, letters);
  }

  async list(): Promise<DeadLetter[]> {
    return readLetters<DeadLetter>(this.path);
  }

  /**
   * Sends every dead letter again. The file is first renamed aside (so a running sidecar's new
   * rejections go to a fresh file); the letters that fail again are appended back; the renamed
   * file is removed only after that, so a crash in between loses nothing (the next replay finds
   * the aside file and takes it up again).
   */
  async replay(
    send: (
      documents: EcsDocument[],
    ) => Promise<{ acknowledged: number; rejected: RejectedDocument[] }>,
  ): Promise<{ replayed: number; acknowledged: number; stillRejected: number }> {
    const aside = join(this.directory, 'dead-letters.replaying.ndjson');
    const letters = await takeLettersAside<DeadLetter>(this.path, aside);
    if (letters.length === 0) return { replayed: 0, acknowledged: 0, stillRejected: 0 };
    const outcome = await send(
      letters.map((letter) => ({
        id: letter.id,
        dataStream: letter.dataStream,
        source: letter.source,
      })),
    );
    this.appendRejected(outcome.rejected);
    await rm(aside, { force: true });
    return {
      replayed: letters.length,
      acknowledged: outcome.acknowledged,
      stillRejected: outcome.rejected.length,
    };
  }
}
