// Byte mutations (flip, set, truncate, insert, delete, duplicate, huge length field) of a file's bytes.
import fc from 'fast-check';

/** Values written over 2-, 4- and 8-byte length fields (masked to the field's width). */
export const HUGE = [0xffffffffn, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0x10000n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

/** Positions biased toward the start and the end of the file, where the headers are. */
export const position = fc.record({
  offset: fc.oneof(fc.nat(31), fc.nat(255), fc.nat(4095), fc.nat()),
  fromEnd: fc.boolean(),
});
type Position = { offset: number; fromEnd: boolean };

const byteMutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: position, value: fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x30, 0x39, 0x2c, 0x29), fc.nat(255)) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: position, to: position, length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({
    op: fc.constant('huge' as const),
    at: position,
    width: fc.constantFrom(2, 4, 8),
    littleEndian: fc.boolean(),
    value: fc.constantFrom(...HUGE),
  }),
);
type ByteMutation = typeof byteMutation extends fc.Arbitrary<infer T> ? T : never;

/** One to four byte mutations, applied in order by `mutate`. */
export const byteMutations = fc.array(byteMutation, { minLength: 1, maxLength: 4 });

function place(at: Position, length: number): number {
  if (length === 0) return 0;
  const i = at.offset % length;
  return at.fromEnd ? length - 1 - i : i;
}

/** A mutated copy of `base` (never `base` itself). */
export function mutate(base: Uint8Array, mutations: readonly ByteMutation[]): Buffer {
  let bytes = Buffer.from(base);
  for (const m of mutations) {
    const at = place(m.at, bytes.length);
    switch (m.op) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (bytes.length > 0) bytes[at] = m.value;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case 'duplicate': {
        const region = bytes.subarray(at, at + m.length);
        const to = place(m.to, bytes.length);
        bytes = Buffer.concat([bytes.subarray(0, to), region, bytes.subarray(to)]);
        break;
      }
      case 'huge': {
        const value = m.value & ((1n << BigInt(8 * m.width)) - 1n);
        if (at + m.width > bytes.length) break;
        bytes = Buffer.from(bytes);
        for (let i = 0; i < m.width; i++) {
          const shift = BigInt(8 * (m.littleEndian ? i : m.width - 1 - i));
          bytes[at + i] = Number((value >> shift) & 0xffn);
        }
        break;
      }
    }
  }
  return Buffer.from(bytes);
}
