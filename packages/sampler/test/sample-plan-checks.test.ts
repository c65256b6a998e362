import { describe, expect, it } from 'vitest';
import { ConfigError, DDIMScheduler } from '@denoise/schedule';
import { sample } from '../src/sample.js';
import { CountingDenoiser } from './counting-denoiser.js';

const config = { beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, num_train_timesteps: 1000 };

describe('sample: the plan is checked before the first model call', () => {
  it('refuses an η too large for some step of the plan (eta 1.5, 50 steps) with no model call', async () => {
    const denoiser = new CountingDenoiser();
    await expect(sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser, steps: 50, eta: 1.5 })).rejects.toThrow(
      /eta 1\.5 is too large for this 50-step plan: at step \d+ \(timestep \d+\).*largest η this plan allows is 1\.0/,
    );
    expect(denoiser.calls).toBe(0);
  });

  it('refuses a steps_offset that plans timesteps past num_train_timesteps (the check in setTimesteps), naming steps_offset, with no model call', async () => {
    const denoiser = new CountingDenoiser();
    const run = sample({ scheduler: DDIMScheduler.fromConfig({ ...config, steps_offset: 999 }), denoiser, steps: 2 });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(
      sample({ scheduler: DDIMScheduler.fromConfig({ ...config, steps_offset: 999 }), denoiser, steps: 2 }),
    ).rejects.toThrow(/invalid steps_offset: got 999.*planned timestep 1499/);
    expect(denoiser.calls).toBe(0);
  });
});
