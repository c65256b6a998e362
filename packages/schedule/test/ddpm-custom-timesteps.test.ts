import { describe, expect, it } from 'vitest';
import { ConfigError, DDPMScheduler } from '../src/index.js';

const n = 18;
const sample = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const eps = Float32Array.from({ length: n }, (_, i) => Math.cos(2 * i));
const zeros = new Float32Array(n);

describe('DDPM custom timesteps', () => {
  it('steps between the given timesteps with skip-aware α and β', () => {
    const s = DDPMScheduler.fromConfig({ clip_sample: false });
    s.setCustomTimesteps([999, 500, 10]);
    expect(Array.from(s.timesteps)).toEqual([999, 500, 10]);
    expect(s.customTimesteps).toBe(true);
    expect(s.numInferenceSteps).toBe(3);
    expect([999, 500, 10].map((t) => s.previousTimestep(t))).toEqual([500, 10, -1]);
    // Posterior mean (Ho et al. eq. 7) between t = 500 and t = 10.
    const a = s.alphasCumprod[500]!;
    const ap = s.alphasCumprod[10]!;
    const beta = 1 - a / ap;
    const out = s.step(eps, 500, sample, { noise: zeros }).prevSample;
    for (let i = 0; i < n; i++) {
      const x0 = (sample[i]! - Math.sqrt(1 - a) * eps[i]!) / Math.sqrt(a);
      const mean = ((Math.sqrt(ap) * beta) / (1 - a)) * x0 + ((Math.sqrt(1 - beta) * (1 - ap)) / (1 - a)) * sample[i]!;
      expect(Math.abs(out[i]! - mean)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(mean)));
    }
  });

  it('rejects timesteps that are not strictly descending integers in [0, N)', () => {
    const s = DDPMScheduler.fromConfig({});
    for (const [ts, key] of [
      [[10, 500], 'timesteps[1]'],
      [[500, 500], 'timesteps[1]'],
      [[1000, 10], 'timesteps[0]'],
      [[500, -1], 'timesteps[1]'],
      [[500.5], 'timesteps[0]'],
      [[], 'timesteps'],
    ] as const) {
      let error: unknown;
      try {
        s.setCustomTimesteps(ts as unknown as number[]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe(key);
    }
  });

  it('setTimesteps afterwards returns to a spaced plan', () => {
    const s = DDPMScheduler.fromConfig({});
    s.setCustomTimesteps([999, 10]);
    s.setTimesteps(10);
    expect(s.customTimesteps).toBe(false);
    expect(s.timesteps[0]).toBe(900);
  });
});
