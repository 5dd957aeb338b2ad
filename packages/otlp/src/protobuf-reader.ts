// A minimal protobuf wire-format reader: exactly what the OTLP decoders need, no reflection and
// no allocation beyond the values it returns. Every length is checked against the bytes that
// remain, so a truncated or hostile body ends in an OtlpDecodeError, never a RangeError.
import { OtlpDecodeError } from './errors';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Groups (proto2's wire types 3 and 4) nested deeper than this are refused, not skipped. */
export const MAX_GROUP_DEPTH = 32;

/** The hex of the all-zero ids, which OTLP calls invalid. */
export const ZERO_TRACE_ID = '0'.repeat(32);
export const ZERO_SPAN_ID = '0'.repeat(16);

// Attribute keys and most short values (`chat`, `gpt-4o-mini`, `POST`, `USD`) repeat in every
// span. Decoding each copy is a call into C++ and a fresh string; a small content-addressed cache
// returns the string already made. Bounded (a fixed table that overwrites on collision) and keyed
// by a copy of the bytes, so it never holds a request's buffer alive.
const INTERNED_MAX_BYTES = 32;
const INTERNED_SLOTS = 4096;
const internedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(
  INTERNED_SLOTS,
).fill(undefined);
const internedStrings: string[] = new Array<string>(INTERNED_SLOTS).fill('');

function interned(bytes: Buffer, start: number, length: number): string {
  if (length === 0) return '';
  const end = start + length;
  // Hash the length and a few bytes only (the end differs most among attribute names:
  // `….input_tokens` / `….output_tokens`); the full comparison below decides.
  let hash = Math.imul(length ^ (bytes[start] as number), 16777619);
  hash = Math.imul(hash ^ (bytes[end - 1] as number), 16777619);
  hash = Math.imul(hash ^ (bytes[end - 2 < start ? start : end - 2] as number), 16777619);
  hash = Math.imul(hash ^ (bytes[start + (length >> 1)] as number), 16777619);
  hash = Math.imul(hash ^ (bytes[start + (length >> 2)] as number), 16777619);
  hash = Math.imul(hash ^ (bytes[end - 1 - (length >> 2)] as number), 16777619);
  const slot = (hash ^ (hash >>> 15)) & (INTERNED_SLOTS - 1);
  const cached = internedBytes[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let index = 0; index < length; index++) {
      if (cached[index] !== bytes[start + index]) {
        same = false;
        break;
      }
    }
    if (same) return internedStrings[slot] as string;
  }
  const value = bytes.toString('utf8', start, end);
  internedBytes[slot] = Uint8Array.prototype.slice.call(bytes, start, end);
  internedStrings[slot] = value;
  return value;
}

/** A string, its UTF-8 bytes, and their first `length >> 2` little-endian 32-bit words. */
export interface KnownString {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}

export function knownString(name: string): KnownString {
  const bytes = Buffer.from(name, 'utf8');
  const words = new Int32Array(bytes.length >> 2);
  for (let index = 0; index < words.length; index++) words[index] = bytes.readInt32LE(index * 4);
  return { name, bytes, words };
}

/** Ids met last, per size: reused in place (no allocation per id). */
const RECENT_IDS = 2;
const recentIds = (size: number): KnownString[] =>
  Array.from({ length: RECENT_IDS }, () => ({
    // All zero bytes until first used: their hex, so a match is never wrong.
    name: '0'.repeat(size * 2),
    bytes: new Uint8Array(size),
    words: new Int32Array(size / 4),
  }));
const RECENT_TRACE_IDS = recentIds(16);
const RECENT_SPAN_IDS = recentIds(8);
let nextTraceSlot = 0;
let nextSpanSlot = 0;

export class ProtobufReader {
  position: number;
  /** Where the current message ends; `enter`/`leave` narrow it without a new reader. */
  end: number;

  constructor(
    readonly bytes: Buffer,
    start = 0,
    end = bytes.length,
    /** The same bytes, for reads of several at once. */
    readonly view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  ) {
    this.position = start;
    this.end = end;
  }

  get done(): boolean {
    return this.position >= this.end;
  }

  /**
   * Field number and wire type of the next field: a uint32 varint of at most five bytes. Longer
   * or larger tags are refused here (they would otherwise wrap onto a field number); field
   * number 0 and unknown wire types are refused by `skip` (no decoder knows field 0), off the
   * path of known fields.
   */
  tag(): number {
    // Fast path for the one- and two-byte tags of every OTLP field (field numbers below 2048).
    const bytes = this.bytes;
    const position = this.position;
    if (position + 1 < this.end) {
      const first = bytes[position] as number;
      if (first < 0x80) {
        this.position = position + 1;
        return first;
      }
      const second = bytes[position + 1] as number;
      if (second < 0x80) {
        this.position = position + 2;
        return (first & 0x7f) | (second << 7);
      }
    } else if (position < this.end && (bytes[position] as number) < 0x80) {
      this.position = position + 1;
      return bytes[position] as number;
    }
    return this.longTag();
  }

  private longTag(): number {
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.position >= this.end) throw new OtlpDecodeError('truncated tag');
      const byte = this.bytes[this.position++] as number;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    if (this.position >= this.end) throw new OtlpDecodeError('truncated tag');
    // The fifth byte holds the top four bits and ends the varint.
    const last = this.bytes[this.position++] as number;
    if (last > 0x0f) throw new OtlpDecodeError('tag longer than 32 bits (not a protobuf tag)');
    return (value >>> 0) + last * 0x10000000;
  }

  varint32(): number {
    // Fast path for the one- and two-byte varints that tags, lengths and enums nearly always are.
    const bytes = this.bytes;
    const position = this.position;
    if (position < this.end) {
      const first = bytes[position] as number;
      if (first < 0x80) {
        this.position = position + 1;
        return first;
      }
      if (position + 1 < this.end) {
        const second = bytes[position + 1] as number;
        if (second < 0x80) {
          this.position = position + 2;
          return (first & 0x7f) | (second << 7);
        }
      }
    }
    return this.varint64();
  }

  /**
   * int64 / uint64 varint as a number (exact up to 2^53, correctly rounded beyond); negative
   * int64 come back negative, unless `unsigned` (uint64: 2^63 and above stay positive).
   */
  varint64(unsigned = false): number {
    let low = 0;
    let high = 0;
    let shift = 0;
    let byte: number;
    do {
      if (this.position >= this.end) throw new OtlpDecodeError('truncated varint');
      if (shift >= 70) throw new OtlpDecodeError('varint longer than 10 bytes');
      byte = this.bytes[this.position++] as number;
      if (shift < 28) low |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        low |= (byte & 0x0f) << 28;
        high |= (byte & 0x7f) >> 4;
      } else high |= (byte & 0x7f) << (shift - 32);
      shift += 7;
    } while (byte & 0x80);
    low >>>= 0;
    if (!unsigned && high & 0x80000000) {
      // Two's complement negative int64.
      return -((~high >>> 0) * 4294967296 + ((~low >>> 0) + 1));
    }
    return (high >>> 0) * 4294967296 + low;
  }

  bool(): boolean {
    return this.varint32() !== 0;
  }

  fixed32(): number {
    this.need(4);
    const value = this.bytes.readUInt32LE(this.position);
    this.position += 4;
    return value;
  }

  double(): number {
    this.need(8);
    const value = this.bytes.readDoubleLE(this.position);
    this.position += 8;
    return value;
  }

  /** fixed64 nanoseconds since the epoch as [seconds, nanoseconds], exactly. */
  fixed64Time(): [number, number] {
    this.need(8);
    const low = this.bytes.readUInt32LE(this.position);
    const high = this.bytes.readUInt32LE(this.position + 4);
    this.position += 8;
    // value = high * 2^32 + low, with 2^32 = 4e9 + 294967 * 1000 + 296, kept below 2^53 at each step.
    const a = high * 294967;
    const aMillions = Math.floor(a / 1e6);
    const rest = (a - aMillions * 1e6) * 1000 + high * 296 + low;
    const restSeconds = Math.floor(rest / 1e9);
    return [high * 4 + aMillions + restSeconds, rest - restSeconds * 1e9];
  }

  /** fixed64 (uint64) as a number, exact up to 2^53. */
  fixed64(): number {
    this.need(8);
    const low = this.bytes.readUInt32LE(this.position);
    const high = this.bytes.readUInt32LE(this.position + 4);
    this.position += 8;
    return high * 4294967296 + low;
  }

  /** sfixed64 (int64) as a number, exact between -2^53 and 2^53. */
  sfixed64(): number {
    this.need(8);
    const low = this.bytes.readUInt32LE(this.position);
    const high = this.bytes.readInt32LE(this.position + 4);
    this.position += 8;
    return high * 4294967296 + low;
  }

  /** sint32 / sint64 (zigzag) as a number. */
  zigzag(): number {
    const value = this.varint64();
    // Zigzag: even → value / 2, odd → -(value + 1) / 2; done in floating point to pass 2^32.
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  /** Length of a length-delimited field, checked against what remains. */
  length(): number {
    const length = this.varint32();
    if (length < 0 || length > this.end - this.position) {
      throw new OtlpDecodeError(
        `length ${length} exceeds the ${this.end - this.position} bytes that remain`,
      );
    }
    return length;
  }

  /**
   * A string field. With `expected`, a guess of what it holds: when its bytes are the field's,
   * the guess is the answer (no hashing, no decoding).
   */
  string(expected?: KnownString): string {
    const length = this.length();
    const start = this.position;
    this.position += length;
    if (expected !== undefined && expected.bytes.length === length && this.holds(expected, start))
      return expected.name;
    if (length <= INTERNED_MAX_BYTES) return interned(this.bytes, start, length);
    return this.bytes.toString('utf8', start, start + length);
  }

  bytesField(): Uint8Array {
    const length = this.length();
    const start = this.position;
    this.position += length;
    return this.bytes.subarray(start, start + length);
  }

  /** An id of exactly `size` bytes as lowercase hex; an empty field gives ''. */
  hexId(size: number, what: string): string {
    const length = this.length();
    if (length === 0) return '';
    if (length !== size)
      throw new OtlpDecodeError(`expected ${size} bytes, got ${length}`).within(what);
    const start = this.position;
    this.position += length;
    // Spans of a trace travel together, and a parent's span id is its children's parent id: the
    // ids met last are compared first (four bytes at a time) before a new string is made.
    const recent = size === 16 ? RECENT_TRACE_IDS : RECENT_SPAN_IDS;
    for (let index = 0; index < recent.length; index++) {
      const known = recent[index] as KnownString;
      if (known.bytes.length === length && this.holds(known, start)) return known.name;
    }
    // One flat string from C++: concatenating 16 two-character pieces builds a rope that every
    // later use (hashing, serialising) has to flatten.
    const hex = this.bytes.toString('hex', start, start + length);
    const slot = size === 16 ? nextTraceSlot++ % RECENT_IDS : nextSpanSlot++ % RECENT_IDS;
    const known = recent[slot] as { name: string; bytes: Uint8Array; words: Int32Array };
    known.name = hex;
    known.bytes.set(this.bytes.subarray(start, start + length));
    for (let index = 0; index < known.words.length; index++)
      known.words[index] = this.view.getInt32(start + index * 4, true);
    return hex;
  }

  /**
   * Narrows the reader to the next length-delimited field; returns the outer end, to hand back
   * to `leave` once the field is read. Cheaper than `sub()` on the hottest paths (attributes).
   */
  enter(): number {
    const length = this.length();
    const outer = this.end;
    this.end = this.position + length;
    return outer;
  }

  leave(outer: number): void {
    this.position = this.end;
    this.end = outer;
  }

  /** A reader over the next length-delimited field, advancing past it. */
  sub(): ProtobufReader {
    const length = this.length();
    const reader = new ProtobufReader(this.bytes, this.position, this.position + length, this.view);
    this.position += length;
    return reader;
  }

  /**
   * Skips the field whose tag was just read: a field the decoder does not know (a newer release
   * of the protocol, a field another signal uses), as protobuf requires, whatever its wire type.
   * Groups (wire types 3 and 4, proto2; OTLP has none) are skipped to their matching end as the
   * reference protobuf parsers do. What is not protobuf at all is refused: field number 0, wire
   * types 6 and 7, an end-group tag without its start.
   */
  skip(tag: number): void {
    const field = tag >>> 3;
    if (field === 0) throw new OtlpDecodeError(`field number 0 (tag ${tag}) is not valid protobuf`);
    const wireType = tag & 7;
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.position += 8;
        return;
      case WIRE_LENGTH: {
        // `length()` moves past the length's own varint first: read it before adding.
        const length = this.length();
        this.position += length;
        return;
      }
      case WIRE_START_GROUP:
        this.skipGroup(field, 1);
        return;
      case WIRE_END_GROUP:
        throw new OtlpDecodeError(`end of group ${field} without its start`);
      case WIRE_FIXED32:
        this.need(4);
        this.position += 4;
        return;
      default:
        throw new OtlpDecodeError(`invalid wire type ${wireType} (field ${field})`);
    }
  }

  /** Skips the fields of a group up to the end-group tag of the same field number. */
  private skipGroup(field: number, depth: number): void {
    if (depth > MAX_GROUP_DEPTH)
      throw new OtlpDecodeError(`groups nested deeper than ${MAX_GROUP_DEPTH} levels`);
    for (;;) {
      if (this.position >= this.end) throw new OtlpDecodeError(`group ${field} not ended`);
      const tag = this.tag();
      const wireType = tag & 7;
      if (wireType === WIRE_END_GROUP) {
        if (tag >>> 3 !== field)
          throw new OtlpDecodeError(`group ${field} ended by the end of group ${tag >>> 3}`);
        return;
      }
      if (wireType === WIRE_START_GROUP && tag >>> 3 !== 0) this.skipGroup(tag >>> 3, depth + 1);
      else this.skip(tag);
    }
  }

  expect(wireType: number, expected: number, field: string): void {
    if (wireType !== expected) {
      throw new OtlpDecodeError(`wire type ${wireType}, expected ${expected}`).within(field);
    }
  }

  /** Whether the bytes at `start` are `known`'s (the caller checked the length), four at a time. */
  private holds(known: KnownString, start: number): boolean {
    const words = known.words;
    const view = this.view;
    for (let index = 0; index < words.length; index++) {
      if (view.getInt32(start + index * 4, true) !== words[index]) return false;
    }
    const bytes = this.bytes;
    const knownBytes = known.bytes;
    for (let index = words.length * 4; index < knownBytes.length; index++) {
      if (knownBytes[index] !== bytes[start + index]) return false;
    }
    return true;
  }

  private need(bytes: number): void {
    if (this.end - this.position < bytes)
      throw new OtlpDecodeError(`truncated: ${bytes} bytes needed`);
  }
}
