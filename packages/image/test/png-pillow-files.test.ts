import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../src/npy-file.js';
import { readPng } from '../src/png-file.js';
import { IMAGE_FIXTURES } from './fixture-paths.js';

async function expectedPixels(name: string): Promise<number[]> {
  const array = await readNpy(join(IMAGE_FIXTURES, `${name}.pixels.npy`));
  if (array.dtype !== 'int32') throw new Error(`${name}.pixels.npy: expected int32`);
  return [...array.data];
}

describe('PNGs written by Pillow decode to the pixels Pillow reads', () => {
  const cases = [
    ['pillow-gray-text', 1],
    ['pillow-gray16', 1],
    ['pillow-rgb', 3],
    ['pillow-palette', 3],
  ] as const;
  for (const [name, channels] of cases) {
    it(`${name}: ${channels} channel(s), exact pixels`, async () => {
      const { image } = await readPng(join(IMAGE_FIXTURES, `${name}.png`));
      expect(image).toMatchObject({ width: 32, height: 32, channels });
      expect([...image.pixels]).toEqual(await expectedPixels(name));
    });
  }

  it('pillow-rgba-opaque: an all-opaque alpha channel is dropped', async () => {
    const { image } = await readPng(join(IMAGE_FIXTURES, 'pillow-rgba-opaque.png'));
    const rgba = await expectedPixels('pillow-rgba-opaque');
    expect(image.channels).toBe(3);
    expect([...image.pixels]).toEqual(rgba.filter((_, i) => i % 4 !== 3));
  });

  it('reads tEXt, zTXt and iTXt (plain and compressed) metadata', async () => {
    const { text } = await readPng(join(IMAGE_FIXTURES, 'pillow-gray-text.png'));
    expect(text).toEqual({
      'denoise:sampler': 'ddim',
      Comment: 'compressed '.repeat(20),
      Title: 'Größe ✓',
      Description: 'zipped iTXt '.repeat(20),
    });
  });
});
