// Whether a configuration is stochastic comes from its scheduler's plan (planRun: some step's result depends on its
// noise), as the sweep plan records it; the bench keeps no rule of its own per sampler.
import { describe, expect, it } from 'vitest';
import { configurationPlan } from '../src/configuration-plan.js';

const model = { schedulerConfig: { _class_name: 'DDPMScheduler', num_train_timesteps: 1000, beta_schedule: 'linear' }, learnedVariance: false };

describe('configurationPlan', () => {
  it('DDPM, DDIM with η > 0, Euler ancestral, DPM-Solver SDE and LCM with more than one step are stochastic; one step of Euler ancestral or LCM is not', () => {
    const names = ['ddpm-10', 'ddim-10', 'ddim-10-eta0.2', 'euler-a-10', 'dpm-solver-10-sde', 'dpm-solver-10', 'heun-10', 'lcm-4', 'lcm-1', 'euler-a-1-trailing'];
    expect(names.map((name) => configurationPlan(model, name).stochastic)).toEqual([true, false, true, true, true, false, false, true, false, false]);
  });

  it('is made once per model and configuration, and says how many model calls a run makes', () => {
    expect(configurationPlan(model, 'heun-10')).toBe(configurationPlan(model, 'heun-10'));
    expect(configurationPlan(model, 'heun-10').timesteps).toHaveLength(19);
    expect(configurationPlan({ ...model }, 'heun-10')).not.toBe(configurationPlan(model, 'heun-10'));
  });

  it("a configuration the model's scheduler config cannot run is refused with the plan's InputError", () => {
    expect(() => configurationPlan(model, 'ddim-50-eta9')).toThrow(expect.objectContaining({ name: 'InputError', key: 'eta' }));
  });
});
