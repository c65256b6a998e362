// Properties of fidInputTensor that hold whatever the image: flat stays flat, 299² clean is only normalised, bad options are named.
import { describe, expect, it } from 'vitest';
import { FID_PROTOCOLS, FidInputError, fidInputBatch, fidInputTensor, type Rgba8Image } from '../src/index.js';

const flat = (width: number, height: number, value: number): Rgba8Image => ({ width, height, channels: 1, pixels: new Uint8Array(width * height).fill(value) });

describe('fidInputTensor', () => {
  for (const protocol of FID_PROTOCOLS) {
    // torch's own bilinear is not exactly flat either (λ0 + λ1 ≠ 1 in float32): on this image it gives two
    // values one ulp apart; ours stays within 2.5e-7 (see fid-input-reference.test.ts).
    const spread = protocol === 'pytorch-fid' ? 2.5e-7 : 0;
    it(`${protocol}: a flat image stays flat at every size (spread ≤ ${spread})`, () => {
      for (const [w, h] of [[8, 8], [300, 217], [299, 299], [256, 256]] as const) {
        const tensor = fidInputTensor(flat(w, h, 77), { protocol });
        expect(tensor.reduce((a, b) => Math.max(a, b)) - tensor.reduce((a, b) => Math.min(a, b))).toBeLessThanOrEqual(spread);
      }
    });
  }

  it('clean: a 299×299 image is only normalised, (x − 128) / 128', () => {
    const pixels = Uint8Array.from({ length: 299 * 299 * 3 }, (_, i) => (i * 37) % 256);
    const tensor = fidInputTensor({ width: 299, height: 299, channels: 3, pixels }, { protocol: 'clean' });
    for (let i = 0; i < 299 * 299; i++) for (let c = 0; c < 3; c++) {
      expect(tensor[c * 299 * 299 + i]).toBe(((pixels[3 * i + c] as number) - 128) / 128);
    }
  });

  it('a declared normalisation applies (x/255 − mean) / std at the requested size', () => {
    const tensor = fidInputTensor(flat(8, 8, 255), { protocol: 'torch-fidelity', height: 224, width: 224, normalization: { mean: [0.5, 0, 1], std: [0.5, 1, 2] } });
    expect(tensor.length).toBe(3 * 224 * 224);
    expect([tensor[0], tensor[224 * 224], tensor[2 * 224 * 224]]).toEqual([1, 1, 0]);
  });

  it('fidInputBatch writes each image at its place in one NCHW batch', () => {
    const batch = fidInputBatch([flat(8, 8, 0), flat(32, 32, 255)], { protocol: 'pytorch-fid' });
    expect(batch.shape).toEqual([2, 3, 299, 299]);
    expect([batch.data[0], batch.data[3 * 299 * 299]]).toEqual([-1, 1]);
  });

  it('names a bad option, its value and what is allowed', () => {
    const image = flat(8, 8, 0);
    expect(() => fidInputTensor(image, { protocol: 'legacy_tensorflow' })).toThrow(FidInputError);
    expect(() => fidInputTensor(image, { protocol: 'legacy_tensorflow' })).toThrow(/'protocol' must be one of 'pytorch-fid', 'clean', 'torch-fidelity', got "legacy_tensorflow"/);
    expect(() => fidInputTensor(image, { protocol: 'clean', height: 0 })).toThrow(/'height' must be an integer in \[1, 4096\].*got 0/);
    expect(() => fidInputTensor(image, { protocol: 'clean', width: 299.5 })).toThrow(/'width'.*got 299\.5/);
    expect(() => fidInputTensor(image, { protocol: 'clean', size: 299 })).toThrow(/'size' must be absent: unknown key/);
    expect(() => fidInputTensor(image, { protocol: 'clean', normalization: { mean: [0, 0], std: [1, 1, 1] } })).toThrow(/'normalization.mean' must be three finite numbers/);
    expect(() => fidInputTensor(image, { protocol: 'clean', normalization: { mean: [0, 0, 0], std: [1, 0, 1] } })).toThrow(/'normalization.std' must be three finite numbers > 0/);
  });
});
