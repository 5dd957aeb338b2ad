import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
    const descriptor = openSync(this.path, 'a');
    try {
      writeSync(descriptor, letters.map((letter) => JSON.stringify(letter) + '\n').join(''));
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    this.count += letters.length;
  }

  async list(): Promise<RecordDeadLetter[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as RecordDeadLetter);
  }
}
