// diffusers multiplies the noise by √(log β_t), which is NaN since log β_t < 0. denoise does what the
// variance type means: log-variance log β_t, noise scale exp(½·log β_t) = √β_t.
import { describe, expect, it } from 'vitest';
import { DDPMScheduler } from '../src/index.js';

const n = 18;
const sample = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const modelOutput = Float32Array.from({ length: n }, (_, i) => Math.cos(2 * i));
const noise = Float32Array.from({ length: n }, (_, i) => 0.5 - ((i * 7) % 11) / 10);
const zeros = new Float32Array(n);

describe('DDPM fixed_large_log', () => {
  for (const steps of [1000, 50]) {
    it(`adds √β_t·z to the posterior mean, with skip-aware β_t (${steps} steps), and never NaN`, () => {
      const s = DDPMScheduler.fromConfig({ variance_type: 'fixed_large_log', clip_sample: false });
      s.setTimesteps(steps);
      for (const t of s.timesteps) {
        const prevT = s.previousTimestep(t);
        const beta = 1 - s.alphasCumprod[t]! / (prevT >= 0 ? s.alphasCumprod[prevT]! : 1);
        const withNoise = s.step(modelOutput, t, sample, { noise }).prevSample;
        const mean = s.step(modelOutput, t, sample, { noise: zeros }).prevSample;
        expect(withNoise.every(Number.isFinite)).toBe(true);
        const scale = t > 0 ? Math.sqrt(beta) : 0;
        for (let i = 0; i < n; i++) {
          expect(withNoise[i]! - mean[i]!).toBeCloseTo(scale * noise[i]!, 5);
        }
      }
    });
  }

  it('gives the same step as fixed_large, whose variance is β_t itself', () => {
    const log = DDPMScheduler.fromConfig({ variance_type: 'fixed_large_log' });
    const plain = DDPMScheduler.fromConfig({ variance_type: 'fixed_large' });
    log.setTimesteps(50);
    plain.setTimesteps(50);
    for (const t of log.timesteps) {
      const a = log.step(modelOutput, t, sample, { noise }).prevSample;
      const b = plain.step(modelOutput, t, sample, { noise }).prevSample;
      for (let i = 0; i < n; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(b[i]!)));
    }
  });
});
