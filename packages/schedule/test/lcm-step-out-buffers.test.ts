// LCMScheduler.step writes prev_sample, x0 and denoised into caller-owned buffers (the loop reuses them), prev_sample
// may be the sample itself, and at the last step prev_sample is denoised, bit for bit.
import { describe, expect, it } from 'vitest';
import { LCMScheduler } from '../src/index.js';

const n = 2 * 18;
const sample = Float32Array.from({ length: n }, (_, i) => Math.sin(0.7 * i));
const eps = Float32Array.from({ length: n }, (_, i) => Math.cos(0.3 * i));
const noise = Float32Array.from({ length: n }, (_, i) => Math.sin(1.9 * i + 0.4));

describe('LCMScheduler step output buffers', () => {
  for (const config of [{}, { thresholding: true, sample_max_value: 2 }, { clip_sample: true }] as const) {
    it(`${JSON.stringify(config)}: out buffers, prevSample aliasing the sample, the same values as a fresh step`, () => {
      const s = LCMScheduler.fromConfig(config);
      s.setTimesteps(4);
      const expected = s.step(eps, 999, sample, { noise, batchSize: 2 });
      s.setTimesteps(4);
      const x = sample.slice();
      const out = { prevSample: x, predOriginalSample: new Float32Array(n), denoised: new Float32Array(n) };
      const result = s.step(eps, 999, x, { noise, batchSize: 2, out });
      expect(result.prevSample).toBe(x);
      expect(result.predOriginalSample).toBe(out.predOriginalSample);
      expect(result.denoised).toBe(out.denoised);
      expect(result).toEqual(expected);
      expect(result.denoised).not.toEqual(result.prevSample);
    });
  }

  it('without out.denoised a new buffer is returned; a wrong length is a RangeError', () => {
    const s = LCMScheduler.fromConfig({});
    s.setTimesteps(1);
    const out = { prevSample: new Float32Array(n), predOriginalSample: new Float32Array(n) };
    const result = s.step(eps, 999, sample, { out });
    expect(result.denoised).toBeInstanceOf(Float32Array);
    expect(Array.from(result.prevSample)).toEqual(Array.from(result.denoised!));
    s.setTimesteps(1);
    expect(() => s.step(eps, 999, sample, { out: { ...out, denoised: new Float32Array(3) } })).toThrow(/out.denoised has 3 elements/);
  });
});
