// setTimesteps refuses a plan with a timestep outside [0, num_train_timesteps), for every scheduler class.
import { describe, expect, it } from 'vitest';
import { ConfigError, HeunDiscreteScheduler, parseSchedulerConfig, SCHEDULER_CLASS_NAMES, schedulerFromConfig } from '../src/index.js';
import { checkPlanInRange } from '../src/timestep-plan.js';

const config = { beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, num_train_timesteps: 1000 };
const leading = { ...config, timestep_spacing: 'leading' };

/** Steps each class plans with leading spacing (PNDM's PRK warm-up needs at least 4). */
const stepsFor = (name: string): number => (name === 'PNDMScheduler' ? 4 : 2);

describe('setTimesteps: the plan stays inside [0, num_train_timesteps)', () => {
  it('has a check for all nine classes', () => {
    expect(SCHEDULER_CLASS_NAMES).toHaveLength(9);
  });

  for (const name of SCHEDULER_CLASS_NAMES) {
    if (name === 'LCMScheduler') {
      it(`${name}: steps_offset is never read (diffusers' LCM plans from original_inference_steps), so 999 plans as 0 does`, () => {
        const scheduler = schedulerFromConfig(name, { ...leading, steps_offset: 999 });
        scheduler.setTimesteps(2);
        expect(Array.from(scheduler.timesteps)).toEqual([999, 499]);
      });
      continue;
    }
    it(`${name}: steps_offset 999 with leading spacing is a ConfigError naming steps_offset and the planned timestep`, () => {
      const scheduler = schedulerFromConfig(name, { ...leading, steps_offset: 999 });
      const steps = stepsFor(name);
      expect(() => scheduler.setTimesteps(steps)).toThrow(ConfigError);
      expect(() => scheduler.setTimesteps(steps)).toThrow(
        new RegExp(`^invalid steps_offset: got 999; allowed: a smaller offset: with ${steps} steps the planned timestep \\d+ .*outside \\[0, num_train_timesteps = 1000\\)`),
      );
    });

    it(`${name}: steps_offset 1 (Stable Diffusion's configs) plans 50 leading steps inside the range`, () => {
      const scheduler = schedulerFromConfig(name, { ...leading, steps_offset: 1 });
      scheduler.setTimesteps(50);
      for (const t of scheduler.timesteps) {
        expect(t).toBeGreaterThanOrEqual(0);
        expect(t).toBeLessThan(1000);
      }
    });
  }

  it('Euler and Heun accept their fractional linspace timesteps, which lie within [0, N − 1]', () => {
    for (const name of ['EulerDiscreteScheduler', 'EulerAncestralDiscreteScheduler', 'HeunDiscreteScheduler'] as const) {
      const scheduler = schedulerFromConfig(name, { ...config, timestep_spacing: 'linspace' });
      scheduler.setTimesteps(7);
      expect(scheduler.timesteps[0]).toBe(999);
      expect(Number.isInteger(scheduler.timesteps[1])).toBe(false);
    }
  });

  it("Heun's constructor still plans the full N steps unchecked (as diffusers does); setTimesteps(N) is refused", () => {
    const scheduler = HeunDiscreteScheduler.fromConfig({ ...leading, steps_offset: 1 });
    expect(() => scheduler.setTimesteps(1000)).toThrow(/invalid steps_offset: got 1; .*planned timestep 1000 \(model call 1 of 1999\)/);
  });

  it('without a steps_offset the error names num_inference_steps (no class plans such a plan today: a guard)', () => {
    const parsed = parseSchedulerConfig(config).config;
    expect(() => checkPlanInRange(Float32Array.of(1000.5, 500), 2, parsed)).toThrow(
      /^invalid num_inference_steps: got 2; allowed: a plan inside \[0, 1000\): the planned timestep 1000\.5 \(model call 1 of 2\)/,
    );
    expect(() => checkPlanInRange(Int32Array.of(500, -1), 2, parsed)).toThrow(/planned timestep -1 \(model call 2 of 2\)/);
    expect(() => checkPlanInRange(Float64Array.of(999.5, 0), 2, parsed)).not.toThrow();
  });
});
