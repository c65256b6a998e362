import { describe, expect, it } from 'vitest';
import type { PickleValue } from '../src/pickle-value.js';
import { PICKLE_LIMITS, unpickle } from '../src/restricted-unpickler.js';
import { WeightsFileError } from '../src/weights-file.js';

/** A pickle assembled by hand: numbers are opcode or operand bytes, strings are ASCII bytes. */
function pickle(...parts: (number | string)[]): Uint8Array {
  return new Uint8Array(parts.flatMap((part) => (typeof part === 'number' ? [part] : [...part].map((c) => c.charCodeAt(0)))));
}

const source = { path: '/weights/model.bin', member: 'archive/data.pkl' };
const read = (bytes: Uint8Array): PickleValue => unpickle(bytes, source);
const PROTO2 = [0x80, 2] as const;

function refusal(bytes: Uint8Array): string {
  try {
    read(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(WeightsFileError);
    expect((error as WeightsFileError).path).toBe(source.path);
    return (error as WeightsFileError).reason;
  }
  throw new Error('the pickle was accepted');
}

describe('unpickle: opcodes it refuses and malformed pickles', () => {
  it('names an unknown opcode by its byte and offset', () => {
    expect(refusal(pickle(...PROTO2, 0x4e, 0xff, '.'))).toBe('archive/data.pkl has an unknown pickle opcode 0xff at byte 3');
  });

  it('names a known opcode a torch.save state_dict never uses', () => {
    expect(refusal(pickle(...PROTO2, 'I1\n.'))).toBe(
      'archive/data.pkl uses pickle opcode INT (0x49) at byte 2, which a torch.save state_dict never contains',
    );
    expect(refusal(pickle(...PROTO2, ')', 0x91, '.'))).toMatch(/opcode FROZENSET \(0x91\) at byte 3/);
  });

  it('refuses the copyreg extension registry, which imports by number', () => {
    expect(refusal(pickle(...PROTO2, 0x82, 1, '.'))).toMatch(/^archive\/data\.pkl EXT1 at byte 2 imports through copyreg's extension registry/);
  });

  it('refuses INST by the global it names, before anything else', () => {
    expect(refusal(pickle(...PROTO2, '(', 'ios\nsystem\n.'))).toMatch(/wants to import os\.system \(byte 3\)/);
    expect(refusal(pickle(...PROTO2, '(', 'icollections\nOrderedDict\n.'))).toMatch(/opcode INST \(0x69\) at byte 3/);
  });

  it('refuses a global named by STACK_GLOBAL as by GLOBAL', () => {
    expect(refusal(pickle(0x80, 4, 0x8c, 2, 'nt', 0x8c, 6, 'system', 0x93, '.'))).toMatch(/wants to import nt\.system \(byte 14\)/);
  });

  it('refuses other protocols and pickles without a PROTO header', () => {
    expect(refusal(pickle('N.'))).toBe('archive/data.pkl does not start with PROTO: it is not a protocol 2–5 pickle as torch.save writes');
    expect(refusal(pickle(0x80, 6, 'N.'))).toBe('archive/data.pkl is pickle protocol 6; denoise reads protocols 2–5 (torch.save writes 2)');
  });

  it('reports truncation, stack underflow and dangling memo references with their offsets', () => {
    expect(refusal(pickle(...PROTO2, 'X', 10, 0, 0, 0, 'ab'))).toBe(
      'archive/data.pkl BINUNICODE at byte 2 needs 10 bytes but the pickle ends at 9: it is truncated',
    );
    expect(refusal(pickle(...PROTO2, 'N'))).toBe('archive/data.pkl ends at byte 3 before STOP: it is truncated');
    expect(refusal(pickle(...PROTO2, 'ctorch\nSiz'))).toMatch(/GLOBAL at byte 2 has no end of line: it is truncated$/);
    expect(refusal(pickle(...PROTO2, 'R.'))).toBe('archive/data.pkl REDUCE at byte 2 finds too few values on the stack');
    expect(refusal(pickle(...PROTO2, 'N(', 0x85, '.'))).toBe('archive/data.pkl TUPLE1 at byte 4 finds too few values on the stack');
    expect(refusal(pickle(...PROTO2, 'h', 5, '.'))).toBe('archive/data.pkl BINGET at byte 2 recalls memo 5, which was never stored');
    expect(refusal(pickle(...PROTO2, 'u.'))).toBe('archive/data.pkl SETITEMS at byte 2 has no MARK before it');
  });

  it('fails at once past its budgets: a flood of DUP or MARK, a huge memo, a huge integer (each killed Node or took minutes)', () => {
    /** `head`, then `count` copies of `byte`, then STOP: built directly (a million spread arguments overflow the stack). */
    const flood = (head: readonly number[], byte: number, count: number): Uint8Array => {
      const bytes = new Uint8Array(head.length + count + 1).fill(byte);
      bytes.set(head);
      bytes[bytes.length - 1] = 0x2e;
      return bytes;
    };
    const dup = refusal(flood([...PROTO2, 0x4e], 0x32, PICKLE_LIMITS.stack + 5));
    expect(dup).toBe(`archive/data.pkl holds more than ${PICKLE_LIMITS.stack} values on its stack at byte ${3 + PICKLE_LIMITS.stack - 1} (DUP), far beyond any state_dict: not a checkpoint denoise reads`);
    expect(refusal(flood(PROTO2, 0x28, PICKLE_LIMITS.marks + 1))).toMatch(new RegExp(`more than ${PICKLE_LIMITS.marks} open MARKs at byte \\d+ \\(MARK\\)`));
    expect(refusal(flood([...PROTO2, 0x4e], 0x94, PICKLE_LIMITS.memo + 1))).toMatch(new RegExp(`more than ${PICKLE_LIMITS.memo} memo entries at byte \\d+ \\(MEMOIZE\\)`));
    // LONG4 of 1 MB: its BigInt assembly was quadratic (over 40 s).
    const size = 2 ** 20;
    expect(refusal(flood([...PROTO2, 0x8b, size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, 0], 1, size))).toBe(
      `archive/data.pkl holds an integer of ${size} bytes (a state_dict's fit in ${PICKLE_LIMITS.longBytes}) at byte 2 (LONG4), far beyond any state_dict: not a checkpoint denoise reads`,
    );
  });

  it('refuses calls and mutations a state_dict cannot contain', () => {
    expect(refusal(pickle(...PROTO2, '))R.'))).toBe('archive/data.pkl REDUCE at byte 4 calls a tuple, not an allowed global');
    expect(refusal(pickle(...PROTO2, '}Na.'))).toBe('archive/data.pkl APPEND at byte 4 adds to a dict, not a list');
    expect(refusal(pickle(...PROTO2, ']NNs.'))).toBe('archive/data.pkl SETITEM at byte 5 sets an item on a list, not a dict');
    expect(refusal(pickle(...PROTO2, ']}b.'))).toBe(
      'archive/data.pkl BUILD at byte 4 sets state on a list; only an OrderedDict or a tensor takes state',
    );
    expect(refusal(pickle(...PROTO2, 'ccollections\nOrderedDict\nK', 1, 0x85, 'R.'))).toBe(
      'archive/data.pkl REDUCE at byte 30 calls collections.OrderedDict with 1 arguments; expected none',
    );
  });
});

describe('unpickle: allowed globals become data, never calls', () => {
  it('records a rebuild function call with its arguments instead of making it', () => {
    const value = read(pickle(...PROTO2, 'ctorch._utils\n_rebuild_tensor_v2\n', 'K', 7, 0x85, 'R.'));
    expect(value).toEqual({
      kind: 'call',
      callee: { kind: 'global', module: 'torch._utils', name: '_rebuild_tensor_v2' },
      args: [7],
      state: null,
    });
  });

  it("keeps an OrderedDict's BUILD state (model.state_dict()'s _metadata) apart from its items", () => {
    const value = read(pickle(...PROTO2, 'ccollections\nOrderedDict\n)R', 'X', 1, 0, 0, 0, 'w', 'K', 2, 's', '}b.'));
    expect(value).toEqual({ kind: 'dict', entries: new Map([['w', 2]]), attributes: { kind: 'dict', entries: new Map(), attributes: null } });
  });

  it("turns torch.Size into its tuple and _codecs.encode(str, 'latin1') into bytes", () => {
    expect(read(pickle(...PROTO2, 'ctorch\nSize\nK', 2, 'K', 3, 0x86, 0x85, 'R.'))).toEqual({ kind: 'tuple', items: [2, 3] });
    expect(read(pickle(...PROTO2, 'c_codecs\nencode\nX', 2, 0, 0, 0, 0xc3, 0xbf, 'X', 6, 0, 0, 0, 'latin1', 0x86, 'R.'))).toEqual(
      new Uint8Array([0xff]),
    );
  });
});
