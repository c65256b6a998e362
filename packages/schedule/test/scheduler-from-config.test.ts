// diffusers' `Cls.from_config(other.config)` for every class: keys the class does not take are ignored and
// listed, the ones it takes but the config lacks get the class's defaults, and toConfig round-trips.
import { describe, expect, it } from 'vitest';
import {
  CLASS_DEFAULTS,
  ConfigError,
  parsePythonJson,
  SCHEDULER_CLASS_NAMES,
  schedulerFromConfig,
} from '../src/index.js';

const ddpmConfig = {
  _class_name: 'DDPMScheduler',
  _diffusers_version: '0.30.0',
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  variance_type: 'fixed_small',
  clip_sample: true,
  timestep_spacing: 'leading',
};

describe('schedulerFromConfig: one config, any class', () => {
  for (const className of SCHEDULER_CLASS_NAMES) {
    it(`${className} from a DDPMScheduler config`, () => {
      const s = schedulerFromConfig(className, ddpmConfig);
      expect(s.className).toBe(className);
      const takes = Object.keys(CLASS_DEFAULTS[className]);
      const given = Object.keys(ddpmConfig).filter((k) => !k.startsWith('_'));
      expect([...s.ignoredKeys].sort()).toEqual(given.filter((k) => !takes.includes(k)).sort());
      // Keys it takes come from the config; the others are the class's own defaults.
      const written = s.toConfig();
      for (const key of takes) {
        const expected = key in ddpmConfig ? ddpmConfig[key as keyof typeof ddpmConfig] : CLASS_DEFAULTS[className][key];
        if (['eta', 'prev_timestep', 'equal_sigma_step', 'zero_sigma_step'].includes(key)) continue; // denoise extensions, written only when set
        expect(written[key], key).toEqual(expected === -Infinity ? '-Infinity' : expected);
      }
      expect(schedulerFromConfig(className, written).config).toEqual(s.config);
      s.setTimesteps(10);
      expect(s.numInferenceSteps).toBe(10);
      expect(s.timesteps.length).toBeGreaterThanOrEqual(10);
    });
  }

  it('a value a class refuses names the key and what is allowed', () => {
    expect(() => schedulerFromConfig('DPMSolverMultistepScheduler', { solver_order: 4 })).toThrow(ConfigError);
    expect(() => schedulerFromConfig('DPMSolverMultistepScheduler', { solver_order: 4 })).toThrow(/solver_order: got 4; allowed: an integer in \[1, 3\]/);
    expect(() => schedulerFromConfig('EulerAncestralDiscreteScheduler', { prediction_type: 'sample' })).toThrow(/prediction_type.*'epsilon', 'v_prediction'/);
    expect(() => schedulerFromConfig('EulerDiscreteScheduler', { use_beta_sigmas: true })).toThrow(/use_beta_sigmas.*scipy/);
    expect(() => schedulerFromConfig('DDIMScheduler', { beta_schedule: 'exp' })).toThrow(/beta_schedule.*for DDIMScheduler/);
    // A key of another class is ignored, whatever its value, as diffusers' from_config ignores it.
    expect(schedulerFromConfig('DDIMScheduler', { solver_order: 9 }).ignoredKeys).toEqual(['solver_order']);
    expect(() => schedulerFromConfig('DDIMScheduler', { solver_ordr: 2 })).toThrow(/solver_ordr.*a diffusers DDIMScheduler option/);
  });
});

describe('parsePythonJson', () => {
  it('reads the bare NaN/Infinity/-Infinity that Python json writes, outside strings only', () => {
    expect(parsePythonJson('{"lambda_min_clipped": -Infinity, "a": [Infinity, NaN], "s": "-Infinity NaN"}')).toEqual({
      lambda_min_clipped: '-Infinity',
      a: ['Infinity', 'NaN'],
      s: '-Infinity NaN',
    });
    expect(parsePythonJson('{"x": 1}')).toEqual({ x: 1 });
    expect(() => parsePythonJson('{"x": Infinit}')).toThrow(SyntaxError);
    expect(schedulerFromConfig('DPMSolverMultistepScheduler', parsePythonJson('{"lambda_min_clipped": -Infinity}')).config.lambdaMinClipped).toBe(-Infinity);
  });
});
