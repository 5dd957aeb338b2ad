import { createHash, createHmac, hash as oneShotHash, type Hash, type Hmac } from 'node:crypto';

/**
 * Prompt hashes, as docs/prompt-hash.md specifies them so anyone can recompute one outside Node:
 * the canonical JSON of the value — object keys sorted by UTF-16 code units, no insignificant
 * whitespace, strings NFC-normalised, `undefined` members left out — hashed with SHA-256
 * (`sha256:<hex>`), or HMAC-SHA256 with the key (`hmac-sha256:<hex>`).
 */
export class PromptHasher {
  private readonly prefix: string;

  constructor(private readonly key?: string) {
    this.prefix = key ? 'hmac-sha256:' : 'sha256:';
  }

  // The same texts come back call after call (a system prompt, a template's first message):
  // their digests are remembered, keyed by the canonical text (bounded; cleared when full).
  private readonly recent = new Map<string, string>();

  hash(value: unknown): string {
    const sink = new DigestSink(this.key);
    writeCanonical(value, sink);
    const text = sink.text();
    if (text !== undefined && text.length <= RECENT_MAX_LENGTH) {
      const known = this.recent.get(text);
      if (known !== undefined) return known;
      const hashed = this.prefix + sink.hex();
      if (this.recent.size >= RECENT_DIGESTS) this.recent.clear();
      this.recent.set(text, hashed);
      return hashed;
    }
    return this.prefix + sink.hex();
  }
}

/** Digests remembered per hasher, of texts up to 2,048 characters: at most ~1 MB held. */
const RECENT_DIGESTS = 256;
const RECENT_MAX_LENGTH = 2048;

interface Sink {
  write(text: string): void;
}

/**
 * Feeds the canonical text to the digest in slices of a few KiB: a long conversation is hashed
 * without building its whole JSON text, and without a native call per token. A text that fits in
 * one slice (most prompts) is hashed in one call, which is cheaper than a streaming digest.
 */
class DigestSink implements Sink {
  private pending = '';
  private digest: Hash | Hmac | undefined;
  constructor(private readonly key: string | undefined) {}

  write(text: string): void {
    this.pending += text;
    if (this.pending.length > 8192) {
      this.digest ??= this.key ? createHmac('sha256', this.key) : createHash('sha256');
      this.digest.update(this.pending, 'utf8');
      this.pending = '';
    }
  }

  /** The whole canonical text when it fits in one slice (nothing was digested yet). */
  text(): string | undefined {
    return this.digest === undefined ? this.pending : undefined;
  }

  hex(): string {
    if (!this.digest && !this.key) return oneShotHash('sha256', this.pending, 'hex');
    const digest = (this.digest ??= this.key
      ? createHmac('sha256', this.key)
      : createHash('sha256'));
    if (this.pending.length > 0) digest.update(this.pending, 'utf8');
    return digest.digest('hex');
  }
}

class StringSink implements Sink {
  text = '';
  write(text: string): void {
    this.text += text;
  }
}

// Any character outside ASCII (ASCII text is already in NFC).
const needsNormalising = /[^ -~\t\n\r]/;

function writeString(value: string, sink: Sink): void {
  // ASCII is already NFC: skip the normalisation pass for the common case.
  sink.write(JSON.stringify(needsNormalising.test(value) ? value.normalize('NFC') : value));
}

function compareKeys(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function writeCanonical(value: unknown, sink: Sink): void {
  switch (typeof value) {
    case 'string':
      writeString(value, sink);
      return;
    case 'number':
      sink.write(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return;
    case 'boolean':
      sink.write(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      // undefined, functions, symbols and bigints have no JSON form.
      sink.write('null');
      return;
  }
  if (value === null) {
    sink.write('null');
    return;
  }
  if (Array.isArray(value)) {
    sink.write('[');
    for (let index = 0; index < value.length; index++) {
      if (index > 0) sink.write(',');
      writeCanonical(value[index], sink);
    }
    sink.write(']');
    return;
  }
  const record = value as Record<string, unknown>;
  // Members sorted by their NFC-normalised names. ASCII names (nearly all) need no normalising
  // and sort as they are (the default sort compares UTF-16 code units, as compareKeys does).
  let keys = Object.keys(record);
  let names = keys;
  if (keys.some((key) => needsNormalising.test(key))) {
    const pairs = keys.map((key) => [key.normalize('NFC'), key] as const);
    pairs.sort(compareKeys);
    names = pairs.map((pair) => pair[0]);
    keys = pairs.map((pair) => pair[1]);
  } else keys.sort();
  sink.write('{');
  let first = true;
  for (let index = 0; index < keys.length; index++) {
    const member = record[keys[index] as string];
    if (member === undefined) continue;
    sink.write(`${first ? '' : ','}${JSON.stringify(names[index])}:`);
    first = false;
    writeCanonical(member, sink);
  }
  sink.write('}');
}

/** The canonical JSON text of a value (docs/prompt-hash.md), as a string. */
export function canonicalJson(value: unknown): string {
  const sink = new StringSink();
  writeCanonical(value, sink);
  return sink.text;
}
