import { describe, expect, it } from 'vitest';
import { createScheduler, rehearseSchedule, sample, SAMPLER_KINDS } from '../src/index.js';
import { CountingDenoiser } from './counting-denoiser.js';

/** β reaching 1 makes ᾱ_t underflow to 0 from timestep 420 on: the first DDIM-10 step (t = 900) divides by zero. */
const DEGENERATE = { num_train_timesteps: 1000, beta_schedule: 'linear', beta_start: 0.0001, beta_end: 1 };
const GOOD = { ...DEGENERATE, beta_end: 0.02 };

describe('the plan is rehearsed before the first model call', () => {
  it('a step that cannot run is refused before the model is called, naming the call, the timestep and the config key', async () => {
    const denoiser = new CountingDenoiser();
    const scheduler = createScheduler('ddim', DEGENERATE);
    await expect(sample({ scheduler, denoiser, steps: 10 })).rejects.toThrow(/model call 1 of 10 \(timestep 900\) cannot run: .*ᾱ_900 .* is 0.*use a smaller beta_end/);
    expect(denoiser.calls).toBe(0);
  });

  it('η too large for the plan is refused before any model call', async () => {
    const denoiser = new CountingDenoiser();
    await expect(sample({ scheduler: createScheduler('ddim', GOOD), denoiser, steps: 50, eta: 1.5 })).rejects.toThrow(RangeError);
    expect(denoiser.calls).toBe(0);
  });

  it('leaves the scheduler it was given untouched, and a good plan runs as before', async () => {
    const scheduler = createScheduler('pndm', GOOD);
    scheduler.setTimesteps(10);
    const before = Array.from(scheduler.timesteps);
    expect(() => rehearseSchedule(scheduler, 20, { outputChannelsPerChannel: 1 })).not.toThrow();
    expect(Array.from(scheduler.timesteps)).toEqual(before);
    for (const kind of SAMPLER_KINDS) {
      expect(() => rehearseSchedule(createScheduler(kind, GOOD), 10, { outputChannelsPerChannel: 1 }), kind).not.toThrow();
    }
  });
});
