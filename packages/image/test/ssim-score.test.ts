import { describe, expect, it } from 'vitest';
import type { Rgba8Image } from '../src/image-types.js';
import { ssim } from '../src/ssim.js';

/** A smooth 32×32 test card with some texture, so SSIM's structure term has something to compare. */
function card(channels: 1 | 3): Rgba8Image {
  const pixels = new Uint8Array(32 * 32 * channels);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      for (let c = 0; c < channels; c++) {
        const v = 128 + 80 * Math.sin((x + 3 * c) / 4) * Math.cos(y / 5) + ((x * 7 + y * 13) % 11) - 5;
        pixels[(y * 32 + x) * channels + c] = Math.round(v);
      }
    }
  }
  return { width: 32, height: 32, channels, pixels };
}

/** Deterministic noise: a linear congruential stream mapped to ±amplitude. */
function withNoise(image: Rgba8Image, amplitude: number): Rgba8Image {
  let state = 12345;
  const pixels = image.pixels.map((p) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.min(255, Math.max(0, p + Math.round(((state / 2 ** 31) * 2 - 1) * amplitude)));
  });
  return { ...image, pixels };
}

function withPatch(image: Rgba8Image): Rgba8Image {
  const pixels = Uint8Array.from(image.pixels);
  for (let y = 8; y < 16; y++) for (let x = 8; x < 16; x++) for (let c = 0; c < image.channels; c++) pixels[(y * 32 + x) * image.channels + c] = 255;
  return { ...image, pixels };
}

describe('ssim', () => {
  for (const channels of [1, 3] as const) {
    it(`is exactly 1 for an image against itself (${channels} channel)`, () => {
      expect(ssim(card(channels), card(channels))).toBe(1);
    });
  }

  it('drops with noise, more with more noise', () => {
    const image = card(1);
    const light = ssim(image, withNoise(image, 8));
    const heavy = ssim(image, withNoise(image, 40));
    expect(light).toBeGreaterThan(0.6);
    expect(light).toBeLessThan(0.98);
    expect(heavy).toBeLessThan(light - 0.2);
  });

  it('drops for a painted 8×8 patch, which covers 1/16 of the image', () => {
    const score = ssim(card(3), withPatch(card(3)));
    expect(score).toBeGreaterThan(0.6);
    expect(score).toBeLessThan(0.95);
  });

  it('is symmetric', () => {
    const a = card(3);
    const b = withNoise(a, 20);
    expect(ssim(a, b)).toBeCloseTo(ssim(b, a), 12);
  });

  it('sees a change in one colour channel that luma would hide', () => {
    const a = card(3);
    const pixels = Uint8Array.from(a.pixels);
    for (let i = 2; i < pixels.length; i += 3) pixels[i] = 255 - (pixels[i] as number); // invert blue only
    expect(ssim(a, { ...a, pixels })).toBeLessThan(0.8);
  });

  it('rejects images whose shapes differ, and images smaller than the 7×7 window', () => {
    expect(() => ssim(card(1), card(3))).toThrow(/ssim: images differ in shape: a is 32×32×1, b is 32×32×3/);
    const tiny = { width: 6, height: 6, channels: 1, pixels: new Uint8Array(36) } as const;
    expect(() => ssim(tiny, tiny)).toThrow(/at least 7×7/);
  });
});
