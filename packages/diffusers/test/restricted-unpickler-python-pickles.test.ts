import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPickleKind, type PickleValue } from '../src/pickle-value.js';
import { unpickle } from '../src/restricted-unpickler.js';
import { TORCH_BIN_FIXTURES } from './torch-bin-fixtures.js';

/** Tuples and lists as arrays, dicts as objects, sets as Sets: enough to compare with what Python pickled. */
function toPlain(value: PickleValue): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  switch (value.kind) {
    case 'tuple':
    case 'list':
      return value.items.map(toPlain);
    case 'set':
      return new Set(value.items.map(toPlain));
    case 'dict':
      return Object.fromEntries([...value.entries].map(([k, v]) => [k as string, toPlain(v)]));
    default:
      return value;
  }
}

/** The value make.py pickles (pickle_values), as this reader should see it. */
const expected = {
  ints: [0, 1, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, 2n ** 53n, -(2n ** 63n), 2n ** 64n + 5n],
  floats: [0.5, -2.25, 1e300, Infinity],
  text: ['', 'weight', 'Größe ✓', 'x'.repeat(300)],
  bytes: new Uint8Array([0x00, 0x01, 0xff, 0x70, 0x6b]),
  constants: [null, true, false],
  tuples: [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]],
  'long-list': Array.from({ length: 1500 }, (_, i) => i),
  shared: [
    [1, 2],
    [1, 2],
  ],
  nested: { a: { b: [{}] } },
  set: new Set([3]),
  'many-strings': Array.from({ length: 300 }, (_, i) => `s${i}`),
  'late-reference': ['s299'],
};

describe('unpickle: what Python pickles, at protocols 2 to 5', () => {
  it.each([2, 3, 4, 5])('protocol %i', (protocol) => {
    const path = `${TORCH_BIN_FIXTURES}pickles/values-protocol-${protocol}.pkl`;
    const root = unpickle(new Uint8Array(readFileSync(path)), { path, member: 'pickle' });
    expect(toPlain(root)).toEqual(expected);

    // An OrderedDict is a dict; one object referenced twice (memo) stays one object.
    expect(isPickleKind(root, 'dict')).toBe(true);
    const shared = isPickleKind(root, 'dict') ? root.entries.get('shared') : undefined;
    expect(isPickleKind(shared, 'tuple') && shared.items[0] === shared.items[1]).toBe(true);
  });
});
