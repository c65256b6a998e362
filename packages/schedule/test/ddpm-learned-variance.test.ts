// learned / learned_range models return 2C channels per batch item: the first C are the prediction,
// the next C the variance output (Nichol & Dhariwal 2021).
import { describe, expect, it } from 'vitest';
import { DDPMScheduler } from '../src/index.js';

const per = 18;
const batch = 2;
const sample = Float32Array.from({ length: batch * per }, (_, i) => Math.sin(i));
const eps = Float32Array.from({ length: batch * per }, (_, i) => Math.cos(2 * i));
const noise = Float32Array.from({ length: batch * per }, (_, i) => Math.sin(3 * i + 1));

/** Lays out [ε_item, variance_item] per batch item, as a UNet with 2C output channels does. */
function withVariance(variance: (item: number, i: number) => number): Float32Array {
  const out = new Float32Array(2 * batch * per);
  for (let b = 0; b < batch; b++) {
    out.set(eps.subarray(b * per, (b + 1) * per), 2 * b * per);
    for (let i = 0; i < per; i++) out[2 * b * per + per + i] = variance(b, i);
  }
  return out;
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(b[i]!)));
}

describe('DDPM learned variance', () => {
  const steps = 50;
  const make = (variance_type: string) => {
    const s = DDPMScheduler.fromConfig({ variance_type, clip_sample: false });
    s.setTimesteps(steps);
    return s;
  };

  it('learned_range interpolates the log-variance: v = −1 is fixed_small, v = +1 is fixed_large', () => {
    const learned = make('learned_range');
    const small = make('fixed_small');
    const large = make('fixed_large');
    for (const t of learned.timesteps) {
      const lo = learned.step(withVariance(() => -1), t, sample, { noise, batchSize: batch });
      const hi = learned.step(withVariance(() => 1), t, sample, { noise, batchSize: batch });
      expectClose(lo.prevSample, small.step(eps, t, sample, { noise, batchSize: batch }).prevSample);
      expectClose(hi.prevSample, large.step(eps, t, sample, { noise, batchSize: batch }).prevSample);
      expectClose(lo.predOriginalSample, small.step(eps, t, sample, { noise }).predOriginalSample);
    }
  });

  it('learned takes the variance output as the variance itself, per element and per item', () => {
    const learned = make('learned');
    const t = learned.timesteps[10]!;
    const zeros = new Float32Array(batch * per);
    const variance = (b: number, i: number) => 0.01 * (b + 1) + 0.001 * i;
    const mean = learned.step(withVariance(variance), t, sample, { noise: zeros, batchSize: batch }).prevSample;
    const out = learned.step(withVariance(variance), t, sample, { noise, batchSize: batch }).prevSample;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < per; i++) {
        const k = b * per + i;
        expect(out[k]! - mean[k]!).toBeCloseTo(Math.sqrt(variance(b, i)) * noise[k]!, 6);
      }
    }
    expect(() => learned.step(withVariance(() => -0.5), t, sample, { noise, batchSize: batch })).toThrow(RangeError);
  });

  it('requires 2C model channels and the batch size to split them', () => {
    const learned = make('learned_range');
    const t = learned.timesteps[0]!;
    expect(() => learned.step(eps, t, sample, { noise, batchSize: batch })).toThrow(/modelOutput/);
    // Without batchSize the two items would be split as one: ε of item 0 and of item 1 swap places.
    const one = learned.step(withVariance(() => 0), t, sample, { noise, batchSize: 1 });
    const two = learned.step(withVariance(() => 0), t, sample, { noise, batchSize: 2 });
    expect(one.prevSample).not.toEqual(two.prevSample);
  });
});
