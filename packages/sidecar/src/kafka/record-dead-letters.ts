import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { appendLetters, readLetters, takeLettersAside } from '../dlq/letter-file';

/** A Kafka record `elkhound consume` could not turn into documents, kept with where it was. */
export interface RecordDeadLetter {
  time: string;
  topic: string;
  /** -1 (and offset "") for a record Kafka refused to take: it never had a place in a partition. */
  partition: number;
  /** Decimal: offsets are 64-bit. */
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  errorType: string;
  reason: string;
  /** The record's value, base64. */
  value: string;
}

export const RECORD_DEAD_LETTER_FILE = 'kafka-records.ndjson';
/** The sidecar's records Kafka refused for good (too large for the topic, invalid). */
export const UNSENT_RECORD_FILE = 'kafka-unsent.ndjson';

/**
 * The consumer's dead-letter path for records (garbage bytes, truncated protobuf, a content type
 * that does not match): an NDJSON file beside the document dead letters, appended and fsynced
 * before the record's offset may be committed, so the partition moves on and nothing is lost.
 * Documents Elasticsearch refuses for good still go to the document dead-letter queue.
 */
export class RecordDeadLetters {
  readonly path: string;
  count = 0;

  constructor(
    readonly directory: string,
    file = RECORD_DEAD_LETTER_FILE,
  ) {
    this.path = join(directory, file);
  }

  async open(): Promise<this> {
    await mkdir(this.directory, { recursive: true });
    return this;
  }

  append(letters: readonly RecordDeadLetter[]): void {
    if (letters.length === 0) return;
    appendLetters(this.path, letters);
    this.count += letters.length;
  }

  async list(): Promise<RecordDeadLetter[]> {
    return readLetters<RecordDeadLetter>(this.path);
  }

  /**
   * Hands every letter to `settle`, which returns those to keep (with their new reason). As
   * the document dead-letter queue does: the file is renamed aside first (a running consumer's
   * new letters go to a fresh file), the kept letters are appended back, and the aside file is
   * removed only then, so a crash in between loses nothing (the next replay takes it up).
   */
  async replay(
    settle: (letters: RecordDeadLetter[]) => Promise<RecordDeadLetter[]>,
  ): Promise<{ replayed: number; kept: number }> {
    const aside = this.path.replace(/\.ndjson$/, '.replaying.ndjson');
    const letters = await takeLettersAside<RecordDeadLetter>(this.path, aside);
    if (letters.length === 0) return { replayed: 0, kept: 0 };
    const kept = await settle(letters);
    this.append(kept);
    await rm(aside, { force: true });
    return { replayed: letters.length, kept: kept.length };
  }
}
