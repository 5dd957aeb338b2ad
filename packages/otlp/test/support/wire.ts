// Protobuf bytes written by hand, for tests that need bodies no encoder would write (unknown
// fields, malformed tags, all-zero ids): each helper returns the bytes of one field.

/** A varint's bytes. */
export function varint(value: number | bigint): number[] {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return out;
}

export const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
/** A length-delimited field. */
export const message = (field: number, ...parts: number[][]): number[] => {
  const payload = parts.flat();
  return [...tag(field, 2), ...varint(payload.length), ...payload];
};
export const text = (field: number, value: string): number[] =>
  message(field, [...Buffer.from(value)]);
export const varintField = (field: number, value: number | bigint): number[] => [
  ...tag(field, 0),
  ...varint(value),
];
export const fixed64 = (field: number, value: bigint): number[] => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return [...tag(field, 1), ...bytes];
};
export const fixed32 = (field: number, value: number): number[] => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return [...tag(field, 5), ...bytes];
};
