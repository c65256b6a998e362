// Zero terminal SNR makes ᾱ_{N−1} = 0; with epsilon prediction x0 = (x − √(1−ᾱ)·ε)/√ᾱ divides by
// zero there, and diffusers returns ±Infinity. denoise refuses the combination up front.
import { describe, expect, it } from 'vitest';
import { ConfigError, DDIMScheduler, DDPMScheduler, parseSchedulerConfig } from '../src/index.js';

describe('zero-SNR with epsilon prediction', () => {
  for (const make of [DDIMScheduler.fromConfig, DDPMScheduler.fromConfig]) {
    it(`is rejected by ${make === DDIMScheduler.fromConfig ? 'DDIM' : 'DDPM'} with a ConfigError that says why`, () => {
      const attempt = () => make({ rescale_betas_zero_snr: true, prediction_type: 'epsilon' });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/prediction_type.*epsilon.*v_prediction.*rescale_betas_zero_snr/s);
    });
  }

  it('is rejected by parseSchedulerConfig too, also when epsilon is the default', () => {
    expect(() => parseSchedulerConfig({ rescale_betas_zero_snr: true })).toThrow(ConfigError);
  });

  it('v_prediction and sample prediction are accepted and finite at t = 999, where ᾱ = 0', () => {
    for (const prediction_type of ['v_prediction', 'sample']) {
      const s = DDIMScheduler.fromConfig({ rescale_betas_zero_snr: true, prediction_type, timestep_spacing: 'trailing', clip_sample: false });
      s.setTimesteps(10);
      expect(s.timesteps[0]).toBe(999);
      expect(s.alphasCumprod[999]).toBe(0);
      const x = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i));
      const out = s.step(x.map((v) => v * 0.5), 999, x);
      expect(out.prevSample.every(Number.isFinite)).toBe(true);
      expect(out.predOriginalSample.every(Number.isFinite)).toBe(true);
    }
  });

  it('a schedule whose coefficients are not finite raises a RangeError instead of returning ∞ or NaN', () => {
    // trained betas with β_0 = 0 give ᾱ_0 = 1, so sample prediction divides by √(1−ᾱ_0) = 0 at t = 0.
    const s = DDIMScheduler.fromConfig({ num_train_timesteps: 2, trained_betas: [0, 0.5], prediction_type: 'sample' });
    s.setTimesteps(2);
    const x = Float32Array.of(0.5, -0.5);
    expect(() => s.step(x, 0, x)).toThrow(RangeError);
  });
});
