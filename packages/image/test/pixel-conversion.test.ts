import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../src/npy-file.js';
import { fromPixels, toPixels } from '../src/pixel-conversion.js';
import type { ImageBatch } from '../src/image-types.js';
import { NPY_FIXTURES } from './fixture-paths.js';

function batchOf(values: readonly number[], shape: readonly [number, number, number, number]): ImageBatch {
  return { data: Float32Array.from(values), shape };
}

describe('toPixels', () => {
  it('maps -1, 0 and 1 to 0, 128 and 255 (0.5 · 255 = 127.5 rounds to 128)', () => {
    const image = toPixels(batchOf([-1, 0, 1], [1, 1, 1, 3]), 0);
    expect([...image.pixels]).toEqual([0, 128, 255]);
    expect(image).toMatchObject({ width: 3, height: 1, channels: 1 });
  });

  it('clamps values outside [-1, 1], infinities included', () => {
    const image = toPixels(batchOf([-3, 2, -Infinity, Infinity], [1, 1, 2, 2]), 0);
    expect([...image.pixels]).toEqual([0, 255, 0, 255]);
  });

  it('matches diffusers postprocessing computed by numpy in float32, half-to-even rounding included', async () => {
    const input = await readNpy(join(NPY_FIXTURES, 'to-pixels-input.npy'));
    const expected = await readNpy(join(NPY_FIXTURES, 'to-pixels-expected.npy'));
    if (input.dtype !== 'float32' || expected.dtype !== 'int32') throw new Error('unexpected fixture dtypes');
    const image = toPixels({ data: input.data, shape: [1, 1, 1, input.data.length] }, 0);
    expect([...image.pixels]).toEqual([...expected.data]);
  });

  it('interleaves NCHW planes into HWC pixels and picks the requested batch index', () => {
    // batch of 2, 3 channels, 1×2: image 1 has R = [1, -1], G = [-1, 1], B = [0, 0].
    const data = [0, 0, 0, 0, 0, 0, 1, -1, -1, 1, 0, 0];
    const image = toPixels(batchOf(data, [2, 3, 1, 2]), 1);
    expect([...image.pixels]).toEqual([255, 0, 128, 0, 255, 128]);
  });

  it('rejects a channel count other than 1 or 3, naming it', () => {
    expect(() => toPixels(batchOf(new Array(4).fill(0), [1, 4, 1, 1]), 0)).toThrow(/has 4 channels/);
  });

  it('rejects an index outside the batch and NaN values', () => {
    expect(() => toPixels(batchOf([0], [1, 1, 1, 1]), 1)).toThrow(RangeError);
    expect(() => toPixels(batchOf([0, Number.NaN], [1, 1, 1, 2]), 0)).toThrow(/NaN at channel 0, y 0, x 1/);
  });
});

describe('fromPixels', () => {
  it('gives a [1, C, H, W] batch with p / 255 · 2 - 1 and round-trips every 8-bit value', () => {
    const pixels = Uint8Array.from({ length: 256 * 3 }, (_, i) => (i * 7) % 256);
    const image = { width: 16, height: 16, channels: 3, pixels } as const;
    const batch = fromPixels(image);
    expect(batch.shape).toEqual([1, 3, 16, 16]);
    expect(batch.data[0]).toBe(-1);
    expect(batch.data[256]).toBeCloseTo((7 / 255) * 2 - 1, 7); // pixel 0, channel 1
    expect([...toPixels(batch, 0).pixels]).toEqual([...pixels]);
  });
});
