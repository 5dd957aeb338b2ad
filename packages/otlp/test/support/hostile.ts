// Hostile OTLP/protobuf bodies for the receiver tests, each with what a receiver must answer:
// refused whole (400 / INVALID_ARGUMENT, with a reason), refused in part (a partial success
// naming what was refused), or, for bodies whose bytes may happen to decode (a cut that falls
// between fields, random bytes), anything but a server error.
import type { OtlpCorpus, Signal } from './corpus';
import { fixed32, message, tag, text, varintField } from './wire';

export interface HostileBody {
  kind: string;
  signal: Signal;
  body: Buffer;
  /** `refused`: the whole request; `partial`: one item, the rest kept; `any`: no server error. */
  expect: 'refused' | 'partial' | 'any';
  /** What the reason must say (refused or partial). */
  reason?: RegExp;
}

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

/** A span that decodes, to keep beside a refused one. */
const goodSpan = (): number[] =>
  [message(1, Array(15).fill(0xab), [1]), message(2, Array(8).fill(0xcd)), text(5, 'kept')].flat();

const traceRequest = (...spans: number[][]): Buffer =>
  Buffer.from(message(1, message(2, ...spans.map((span) => message(2, span)))));

export function hostileBodies(corpus: OtlpCorpus, perKind: number): HostileBody[] {
  const random = corpus.random;
  const bodies: HostileBody[] = [];
  const valid = () => {
    const signal = random.pick(SIGNALS);
    return { signal, body: Buffer.from(corpus.request(signal).body) };
  };
  for (let index = 0; index < perKind; index++) {
    // Cut anywhere: usually a length past the end, sometimes a shorter valid request.
    const cut = valid();
    bodies.push({
      kind: 'truncated',
      signal: cut.signal,
      body: cut.body.subarray(0, random.below(cut.body.length)),
      expect: 'any',
    });
    // Not protobuf at the top level: field number 0, tags over 32 bits, wire types 6 and 7, an
    // end-group tag alone; before or after a valid request.
    const [badTag, reason] = random.pick([
      [Buffer.from('05c1db4b61', 'hex'), /field number 0/],
      [Buffer.from('94e4ad8ce0c4d0752d', 'hex'), /tag longer than 32 bits/],
      [Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x10, 0x00]), /tag longer than 32 bits/],
      [Buffer.from([...tag(20, 6), 0]), /invalid wire type 6/],
      [Buffer.from([...tag(21, 7), 0]), /invalid wire type 7/],
      [Buffer.from(tag(22, 4)), /end of group 22 without its start/],
    ] as const);
    const around = valid();
    bodies.push({
      kind: 'bad tag',
      signal: around.signal,
      body: random.chance(0.5)
        ? Buffer.concat([badTag, around.body])
        : Buffer.concat([around.body, badTag]),
      expect: 'refused',
      reason,
    });
    // A length past the end of the body.
    const long = valid();
    bodies.push({
      kind: 'bad length',
      signal: long.signal,
      body: Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), long.body]),
      expect: 'refused',
      reason: /exceeds the \d+ bytes that remain/,
    });
    // A span with an all-zero id, alone (refused) or beside a good one (partial success).
    const zero = random.chance(0.5)
      ? [message(1, Array(16).fill(0)), message(2, Array(8).fill(1)), text(5, 'z')].flat()
      : [message(1, Array(16).fill(1)), message(2, Array(8).fill(0)), text(5, 'z')].flat();
    const alone = random.chance(0.3);
    bodies.push({
      kind: 'zero id',
      signal: 'traces',
      body: alone ? traceRequest(zero) : traceRequest(goodSpan(), zero),
      expect: alone ? 'refused' : 'partial',
      reason: /all zeros \(an invalid (trace|span) id\)/,
    });
    // A malformed tag inside one item: that item refused, the one beside it kept.
    const inner = random.pick([varintField(0, 1), [...tag(20, 7), 0], fixed32(0, 1)]);
    bodies.push(
      random.chance(0.5)
        ? {
            kind: 'bad tag in a span',
            signal: 'traces',
            body: traceRequest(goodSpan(), [...goodSpan(), ...inner]),
            expect: 'partial',
            reason: /spans\[1\]: (field number 0|invalid wire type 7)/,
          }
        : {
            kind: 'bad tag in a log record',
            signal: 'logs',
            body: Buffer.from(
              message(
                1,
                message(2, message(2, text(12, 'kept')), message(2, text(12, 'x'), inner)),
              ),
            ),
            expect: 'partial',
            reason: /log_records\[1\]: (field number 0|invalid wire type 7)/,
          },
    );
    bodies.push({
      kind: 'random bytes',
      signal: random.pick(SIGNALS),
      body: Buffer.from(random.bytes(random.below(200))),
      expect: 'any',
    });
  }
  return bodies;
}
