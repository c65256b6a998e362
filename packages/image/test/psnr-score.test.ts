import { describe, expect, it } from 'vitest';
import type { Rgba8Image } from '../src/image-types.js';
import { psnr } from '../src/psnr.js';

const image: Rgba8Image = {
  width: 8,
  height: 4,
  channels: 3,
  pixels: Uint8Array.from({ length: 8 * 4 * 3 }, (_, i) => (i * 11) % 250),
};

describe('psnr', () => {
  it('is Infinity for identical images', () => {
    expect(psnr(image, { ...image, pixels: Uint8Array.from(image.pixels) })).toBe(Infinity);
  });

  it('is 20·log10(255) dB when every sample is off by one (MSE 1)', () => {
    const shifted = { ...image, pixels: image.pixels.map((p) => p + 1) };
    expect(psnr(image, shifted)).toBeCloseTo(20 * Math.log10(255), 12);
  });

  it('is 10·log10(255² / 25) dB when a quarter of the samples are off by 10', () => {
    const pixels = Uint8Array.from(image.pixels);
    for (let i = 0; i < pixels.length; i += 4) {
      const p = pixels[i] as number;
      pixels[i] = p >= 128 ? p - 10 : p + 10;
    }
    expect(psnr(image, { ...image, pixels })).toBeCloseTo(10 * Math.log10((255 * 255) / 25), 12);
  });

  it('rejects images whose shapes differ', () => {
    expect(() => psnr(image, { ...image, width: 4, height: 8 })).toThrow(/psnr: images differ in shape/);
  });
});
