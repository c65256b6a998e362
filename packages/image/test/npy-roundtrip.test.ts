import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../src/npy-file.js';
import { parseNpy, serializeNpy, type NpyArray } from '../src/npy.js';
import { NPY_FIXTURES } from './fixture-paths.js';

const arrays: readonly NpyArray[] = [
  { dtype: 'float32', shape: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => Math.fround(i / 7 - 1)) },
  { dtype: 'float64', shape: [3, 2], data: Float64Array.of(Math.PI, -0, Number.MIN_VALUE, Number.MAX_VALUE, Infinity, Number.NaN) },
  { dtype: 'int32', shape: [5], data: Int32Array.of(-(2 ** 31), -1, 0, 1, 2 ** 31 - 1) },
  { dtype: 'int64', shape: [2, 2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n, 0n, 2n ** 63n - 1n) },
  { dtype: 'float32', shape: [], data: Float32Array.of(3.25) },
  { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) },
];

describe('.npy written by denoise', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'denoise-npy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [i, array] of arrays.entries()) {
    it(`reads back identical: ${array.dtype} shape (${array.shape.join(', ')})`, async () => {
      const path = join(dir, `array-${i}.npy`);
      await writeNpy(path, array);
      const read = await readNpy(path);
      expect(read.dtype).toBe(array.dtype);
      expect(read.shape).toEqual(array.shape);
      expect(read.data.constructor).toBe(array.data.constructor);
      expect(Buffer.from(read.data.buffer).equals(Buffer.from(array.data.buffer))).toBe(true);
      expect(await readdir(dir)).toEqual([`array-${i}.npy`]);
    });
  }

  it('is byte-identical to what numpy 1.24 np.save writes for the same array', async () => {
    for (const name of ['float32', 'float64', 'int32', 'int64', 'scalar-float64', 'vector-int32', 'empty-float32']) {
      const numpyBytes = await readFile(join(NPY_FIXTURES, `${name}.npy`));
      expect(serializeNpy(parseNpy(numpyBytes)).equals(numpyBytes), name).toBe(true);
    }
  });

  it('starts the data on a 64-byte boundary', () => {
    for (const array of arrays) {
      const bytes = serializeNpy(array);
      expect((bytes.length - array.data.byteLength) % 64).toBe(0);
    }
  });

  it('rejects arrays whose data does not match the dtype or the shape', () => {
    expect(() => serializeNpy({ dtype: 'float32', shape: [2], data: new Float64Array(2) } as unknown as NpyArray)).toThrow(
      /dtype float32 needs data as Float32Array, got Float64Array/,
    );
    expect(() => serializeNpy({ dtype: 'int32', shape: [2, 2], data: new Int32Array(3) })).toThrow(/holds 4 values, data has 3/);
  });
});
