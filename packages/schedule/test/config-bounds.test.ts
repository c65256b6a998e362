import { describe, expect, it } from 'vitest';
import { ConfigError, DDIMScheduler, parseSchedulerConfig } from '@denoise/schedule';

const config = { beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, num_train_timesteps: 1000 };

describe('scheduler config bounds, refused when the config is read', () => {
  it('num_train_timesteps: 1e9 is a ConfigError naming the key (not gigabytes of ᾱ)', () => {
    expect(() => parseSchedulerConfig({ ...config, num_train_timesteps: 1e9 })).toThrow(ConfigError);
    expect(() => DDIMScheduler.fromConfig({ ...config, num_train_timesteps: 1e9 })).toThrow(
      /invalid num_train_timesteps: got 1000000000; allowed: an integer in \[1, 100000\]/,
    );
    expect(parseSchedulerConfig({ ...config, num_train_timesteps: 100000 }).config.numTrainTimesteps).toBe(100000);
  });

  it('steps_offset ≥ num_train_timesteps is a ConfigError naming the key', () => {
    expect(() => DDIMScheduler.fromConfig({ ...config, steps_offset: 5000 })).toThrow(/invalid steps_offset: got 5000.*\[0, 999\]/);
    expect(() => DDIMScheduler.fromConfig({ ...config, steps_offset: 1000 })).toThrow(ConfigError);
    expect(DDIMScheduler.fromConfig({ ...config, steps_offset: 1 }).config.stepsOffset).toBe(1);
  });
});

describe('DDIMScheduler.validateEta checks η against every step of the plan', () => {
  it('refuses eta 1.5 over 50 steps, naming the step, the timestep and the largest η allowed', () => {
    const scheduler = DDIMScheduler.fromConfig(config);
    expect(() => scheduler.validateEta(50, 1.5)).toThrow(/eta 1\.5 is too large for this 50-step plan: at step 47 \(timestep 60\).*allows is 1\.00/);
  });

  it('accepts η = 0, η = 1 and the largest η it names', () => {
    const scheduler = DDIMScheduler.fromConfig(config);
    scheduler.validateEta(50, 0);
    scheduler.validateEta(50, 1);
    const largest = Number(/allows is ([\d.]+)/.exec((() => { try { scheduler.validateEta(50, 1.5); return ''; } catch (e) { return (e as Error).message; } })())![1]);
    scheduler.validateEta(50, largest);
    expect(scheduler.timesteps.length).toBe(50);
  });
});
