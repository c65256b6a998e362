// PNGs read as the FID tools read them (Pillow's convert('RGB')) equal the reference's numpy pixels.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFidPng, encodePng, parseNpy, PngFormatError, readFidImage } from '../src/index.js';
import { FID_FIXTURES } from './fixture-paths.js';

const IMAGES = join(FID_FIXTURES, 'images');
const NAMES = readdirSync(IMAGES).filter((f) => f.endsWith('.png')).map((f) => f.slice(0, -4));

describe('readFidImage', () => {
  it('finds the 30 reference images', () => expect(NAMES).toHaveLength(30));
  for (const name of NAMES) {
    it(`${name} equals images/${name}.npy (gray repeated to RGB)`, async () => {
      const image = await readFidImage(join(IMAGES, `${name}.png`));
      const npy = parseNpy(readFileSync(join(IMAGES, `${name}.npy`)));
      expect(npy.dtype).toBe('uint8');
      const [h, w, c = 1] = npy.shape as [number, number, number?];
      expect([image.height, image.width, image.channels]).toEqual([h, w, 3]);
      const expected = new Uint8Array(h * w * 3);
      for (let i = 0; i < h * w; i++) for (let k = 0; k < 3; k++) expected[3 * i + k] = npy.data[c === 1 ? i : 3 * i + k] as number;
      expect(Buffer.from(image.pixels).equals(Buffer.from(expected))).toBe(true);
    });
  }

  it('drops alpha instead of refusing it', () => {
    // An RGBA PNG written by hand: pngjs via encodePng writes RGB only, so patch a 1×1 RGBA image.
    const rgba = rgbaPng(Uint8Array.of(10, 20, 30, 0));
    expect([...decodeFidPng(rgba, 'a.png').pixels]).toEqual([10, 20, 30]);
  });

  it('refuses a 16-bit PNG, naming the file', () => {
    const gray = encodePng({ width: 1, height: 1, channels: 1, pixels: Uint8Array.of(7) });
    expect(() => decodeFidPng(sixteenBitGray(), 'deep.png')).toThrow(PngFormatError);
    expect(() => decodeFidPng(sixteenBitGray(), 'deep.png')).toThrow(/deep\.png: 16-bit/);
    expect([...decodeFidPng(gray).pixels]).toEqual([7, 7, 7]);
  });
});

import pngjs from 'pngjs';
function rgbaPng(pixel: Uint8Array): Buffer {
  const png = new pngjs.PNG({ width: 1, height: 1 });
  png.data = Buffer.from(pixel);
  return pngjs.PNG.sync.write(png, { colorType: 6 });
}
function sixteenBitGray(): Buffer {
  const png = new pngjs.PNG({ width: 1, height: 1, bitDepth: 16, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from([0x12, 0x34]);
  return pngjs.PNG.sync.write(png, { colorType: 0, bitDepth: 16, inputColorType: 0, inputHasAlpha: false });
}
