import { describe, expect, it } from 'vitest';
import { DDIMScheduler, DDPMScheduler, DEFAULT_SCHEDULER_CONFIG, parseSchedulerConfig } from '../src/index.js';
import { loadParity } from './parity-fixture.js';

interface SchedulerDefaults {
  init_signature_defaults: Record<string, unknown>;
  timesteps_before_set_timesteps: { len: number; head: number[]; tail: number[] };
  final_alpha_cumprod?: number;
}
const { schedulers } = loadParity<{ schedulers: Record<'DDPMScheduler' | 'DDIMScheduler', SchedulerDefaults> }>('defaults.json');

describe('defaults equal diffusers __init__ defaults', () => {
  for (const [name, make] of [
    ['DDPMScheduler', () => DDPMScheduler.fromConfig({})],
    ['DDIMScheduler', () => DDIMScheduler.fromConfig({})],
  ] as const) {
    it(name, () => {
      const expected = schedulers[name];
      const s = make();
      const { _class_name, ...written } = s.toConfig();
      expect(_class_name).toBe(name);
      expect(written).toEqual(expected.init_signature_defaults);
      const ts = s.timesteps;
      expect(ts.length).toBe(expected.timesteps_before_set_timesteps.len);
      expect(Array.from(ts.subarray(0, 3))).toEqual(expected.timesteps_before_set_timesteps.head);
      expect(Array.from(ts.subarray(-3))).toEqual(expected.timesteps_before_set_timesteps.tail);
      expect(s.numInferenceSteps).toBeNull();
      if (s instanceof DDIMScheduler) expect(s.finalAlphaCumprod).toBe(expected.final_alpha_cumprod);
    });
  }

  it("denoise's extensions default to diffusers' behaviour: eta 0 and the 'diffusers' prev-timestep policy", () => {
    const { config, ignoredKeys } = parseSchedulerConfig({});
    expect(config).toEqual(DEFAULT_SCHEDULER_CONFIG);
    expect(config.eta).toBe(0);
    expect(config.prevTimestep).toBe('diffusers');
    expect(ignoredKeys).toEqual([]);
  });
});
