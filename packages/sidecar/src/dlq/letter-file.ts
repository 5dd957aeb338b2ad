// A dead-letter file: one JSON letter per line, appended with fsync, read back whole, and taken
// aside for a replay so that nothing is lost if the process dies half-way. Used by the document
// dead-letter queue (dead-letter-queue.ts) and by Kafka's record dead letters
// (kafka/record-dead-letters.ts).
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';

/** Appends the letters, one line each, and fsyncs before returning. */
export function appendLetters(path: string, letters: readonly object[]): void {
  if (letters.length === 0) return;
  let text = '';
  for (const letter of letters) text += JSON.stringify(letter) + '\n';
  const descriptor = openSync(path, 'a');
  try {
    writeSync(descriptor, text);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** The letters of a file; none when it does not exist. */
export async function readLetters<Letter extends object>(path: string): Promise<Letter[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const letters: Letter[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      letters.push(JSON.parse(line) as Letter);
    } catch {
      // A line cut by a crash mid-append: what it held was never acknowledged upstream (not to
      // the bulk writer, no Kafka offset committed), so it is sent or read again.
    }
  }
  return letters;
}

/**
 * Moves the letters of `path` to `aside` (a running process's new letters then go to a fresh
 * `path`) and returns every letter `aside` holds: those left by a replay that died, then the
 * fresh ones. The caller appends back what it keeps and removes `aside` only after that, so a
 * crash at any point loses nothing (the next replay finds `aside` and takes it up again).
 */
export async function takeLettersAside<Letter extends object>(
  path: string,
  aside: string,
): Promise<Letter[]> {
  const leftover = await readLetters<Letter>(aside);
  try {
    await rename(path, aside + '.new');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const fresh = await readLetters<Letter>(aside + '.new');
  if (fresh.length > 0) {
    appendLetters(aside, fresh);
    await rm(aside + '.new', { force: true });
  }
  return [...leftover, ...fresh];
}
