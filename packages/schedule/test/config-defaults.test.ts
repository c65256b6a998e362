// Every class's defaults against diffusers' `inspect.signature(__init__)` defaults, recorded in the reference
// fixtures: fixtures/parity/defaults.json (DDPM, DDIM) and the `defaults` of each fixtures/parity/diffusers-samplers
// file (the other seven). toConfig() of a default scheduler is the signature, key for key and in its order.
import { describe, expect, it } from 'vitest';
import {
  DDIMScheduler,
  DDPMScheduler,
  DEFAULT_SCHEDULER_CONFIG,
  parseSchedulerConfig,
  SCHEDULER_CLASS_NAMES,
  schedulerFromConfig,
  type SchedulerClassName,
} from '../src/index.js';
import { loadParity } from './parity-fixture.js';
import { loadSamplerReference } from './sampler-parity.js';

interface SchedulerDefaults {
  init_signature_defaults: Record<string, unknown>;
  timesteps_before_set_timesteps: { len: number; head: number[]; tail: number[] };
  final_alpha_cumprod?: number;
}
const { schedulers } = loadParity<{ schedulers: Record<'DDPMScheduler' | 'DDIMScheduler', SchedulerDefaults> }>('defaults.json');

/** The reference file of each class that fixtures/parity/defaults.json does not hold. */
const SAMPLER_FILES: Readonly<Record<Exclude<SchedulerClassName, 'DDPMScheduler' | 'DDIMScheduler'>, string>> = {
  DPMSolverMultistepScheduler: 'dpmsolver_multistep.json.gz',
  UniPCMultistepScheduler: 'unipc_multistep.json.gz',
  EulerDiscreteScheduler: 'euler_discrete.json.gz',
  EulerAncestralDiscreteScheduler: 'euler_ancestral_discrete.json.gz',
  HeunDiscreteScheduler: 'heun_discrete.json.gz',
  PNDMScheduler: 'pndm.json.gz',
  LCMScheduler: 'lcm.json.gz',
};

function signatureDefaults(name: SchedulerClassName): Record<string, unknown> {
  if (name === 'DDPMScheduler' || name === 'DDIMScheduler') return schedulers[name].init_signature_defaults;
  const ref = loadSamplerReference(SAMPLER_FILES[name]);
  expect(ref.scheduler).toBe(name);
  return ref.defaults.init_signature_defaults;
}

describe('toConfig() of a default scheduler is the __init__ signature, in its order', () => {
  for (const name of SCHEDULER_CLASS_NAMES) {
    it(name, () => {
      const { _class_name, ...written } = schedulerFromConfig(name, {}).toConfig();
      expect(_class_name).toBe(name);
      // Entries, not toEqual alone, so the order of the keys is checked too.
      expect(Object.entries(written)).toEqual(Object.entries(signatureDefaults(name)));
    });
  }
});

describe('DDPM and DDIM before setTimesteps: the timesteps and ᾱ after the last step', () => {
  for (const [name, make] of [
    ['DDPMScheduler', () => DDPMScheduler.fromConfig({})],
    ['DDIMScheduler', () => DDIMScheduler.fromConfig({})],
  ] as const) {
    it(name, () => {
      const expected = schedulers[name];
      const s = make();
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
