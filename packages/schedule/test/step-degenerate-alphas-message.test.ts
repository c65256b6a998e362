// A config whose ᾱ reaches 0 or stays 1 makes a step divide by zero: the RangeError says where and why in the
// config's terms (which timestep, which β, which key to change), not which internal coefficient overflowed.
import { describe, expect, it } from 'vitest';
import { DDIMScheduler, DDPMScheduler, PNDMScheduler, type Scheduler } from '../src/index.js';

const x = Float32Array.of(0.5, -0.5);
const noise = Float32Array.of(0.1, 0.2);

/** Runs every planned step with the same inputs and returns the error message of the first failing step. */
function firstStepError(scheduler: Scheduler, steps: number): string {
  scheduler.setTimesteps(steps);
  try {
    for (const t of scheduler.timesteps) scheduler.step(x, t, x, { noise });
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    return (error as Error).message;
  }
  throw new Error('no step failed');
}

describe('a step that would divide by zero names the timestep and the config values behind it', () => {
  it('beta_end 1 (DDIM, trailing): ᾱ_999 is 0 because β_999 is 1', () => {
    const message = firstStepError(DDIMScheduler.fromConfig({ beta_end: 1, timestep_spacing: 'trailing' }), 10);
    expect(message).toBe(
      "cannot step at timestep 999: ᾱ_999 (alphas_cumprod[999]) is 0, so the step divides by zero: β_999 is 1 " +
        "(beta_schedule 'linear', beta_start 0.0001, beta_end 1); use a smaller beta_end (or fewer num_train_timesteps)",
    );
  });

  for (const make of [DDPMScheduler.fromConfig, DDIMScheduler.fromConfig]) {
    it(`beta_end 0.9 (${make === DDPMScheduler.fromConfig ? 'DDPM' : 'DDIM'}): the product of 1 − β underflows float32, and from where`, () => {
      const message = firstStepError(make({ beta_end: 0.9, timestep_spacing: 'trailing' }), 10);
      expect(message).toMatch(
        /^cannot step at timestep 999: ᾱ_999 \(alphas_cumprod\[999\]\) is 0, so the step divides by zero: the product of \(1 − β\) underflows float32 from timestep \d+ on \(.*beta_end 0\.9, num_train_timesteps 1000\); use a smaller beta_end/,
      );
    });
  }

  it('beta_start 0 (DDPM): ᾱ_0 is 1 at the last step, so 1 − ᾱ_0 = 0', () => {
    const message = firstStepError(DDPMScheduler.fromConfig({ beta_start: 0 }), 10);
    expect(message).toMatch(/^cannot step at timestep 0: ᾱ_0 \(alphas_cumprod\[0\]\) is 1 \(no noise\), so 1 − ᾱ_0 = 0 .*β_0 is 0 \(.*beta_start 0,.*\); use a beta_start above 0$/);
  });

  it('trained_betas starting at 0 (PNDM) name trained_betas', () => {
    const betas = Array.from({ length: 10 }, (_, i) => i / 20);
    const message = firstStepError(PNDMScheduler.fromConfig({ num_train_timesteps: 10, trained_betas: betas, skip_prk_steps: true }), 5);
    expect(message).toMatch(/^cannot step at timestep 0: .*β_0 is 0 \(trained_betas\); use trained_betas above 0$/);
  });

  it('never names an internal coefficient', () => {
    const message = firstStepError(DDIMScheduler.fromConfig({ beta_end: 1, timestep_spacing: 'trailing' }), 10);
    expect(message).not.toMatch(/coefficient|\bpx\b|Infinity|NaN/);
  });
});
