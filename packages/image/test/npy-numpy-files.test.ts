import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../src/npy-file.js';
import { NPY_FIXTURES } from './fixture-paths.js';

interface ManifestEntry {
  readonly dtype: string;
  readonly shape: number[];
  readonly values: (number | string)[];
}

const manifest = JSON.parse(await readFile(join(NPY_FIXTURES, 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;

describe('.npy files written by numpy read correctly', () => {
  it('covers all four dtypes, 0-d, 1-d, empty, and v2 and v3 headers', () => {
    expect(Object.keys(manifest)).toEqual(
      expect.arrayContaining(['float32', 'float64', 'int32', 'int64', 'scalar-float64', 'vector-int32', 'empty-float32', 'float32-v2', 'float32-v3']),
    );
  });

  for (const [name, entry] of Object.entries(manifest)) {
    it(`${name}.npy: ${entry.dtype} shape (${entry.shape.join(', ')})`, async () => {
      const array = await readNpy(join(NPY_FIXTURES, `${name}.npy`));
      expect(array.dtype).toBe(entry.dtype);
      expect(array.shape).toEqual(entry.shape);
      const expected = array.dtype === 'int64' ? entry.values.map((v) => BigInt(v)) : entry.values;
      expect([...array.data]).toEqual(expected);
    });
  }
});
