// Beta options that the diffusers figures do not cover: sigmoid (DDPM) and trained_betas.
import { describe, expect, it } from 'vitest';
import { ConfigError, DDPMScheduler, parseSchedulerConfig, betasFor } from '../src/index.js';

describe('beta schedule options', () => {
  it('sigmoid: β = σ(linspace(−6, 6, N))·(β_end − β_start) + β_start, increasing', () => {
    const { config } = parseSchedulerConfig({ beta_schedule: 'sigmoid', beta_start: 0.0001, beta_end: 0.02 });
    const betas = betasFor(config);
    const expected = (i: number) => 0.0001 + 0.0199 / (1 + Math.exp(6 - (12 * i) / 999));
    for (const i of [0, 1, 500, 998, 999]) {
      expect(Math.abs(betas[i]! - expected(i)), `β_${i}`).toBeLessThanOrEqual(1e-6 * expected(i)); // float32
    }
    for (let i = 1; i < 1000; i++) expect(betas[i]!).toBeGreaterThan(betas[i - 1]!);
  });

  it('trained_betas replace beta_schedule, rounded to float32', () => {
    const trained = [0.1, 0.2, 0.3, 0.4];
    const s = DDPMScheduler.fromConfig({ num_train_timesteps: 4, trained_betas: trained, beta_schedule: 'scaled_linear' });
    expect(Array.from(s.betas)).toEqual(trained.map(Math.fround));
    expect(s.alphasCumprod[3]).toBe(Math.fround(0.9 * 0.8 * 0.7 * 0.6));
  });

  it('trained_betas must have one beta per training timestep, each in [0, 1]', () => {
    expect(() => parseSchedulerConfig({ num_train_timesteps: 3, trained_betas: [0.1, 0.2] })).toThrow(ConfigError);
    expect(() => parseSchedulerConfig({ num_train_timesteps: 2, trained_betas: [0.1, 1.2] })).toThrow(/trained_betas/);
  });
});
