import { describe, expect, it } from 'vitest';
import { ConfigError, DDIMScheduler, DDPMScheduler, timestepPlan } from '../src/index.js';
import { loadParity } from './parity-fixture.js';

interface Entry {
  scheduler: 'DDIM' | 'DDPM';
  num_train_timesteps: number;
  num_inference_steps: number;
  timestep_spacing: string;
  steps_offset: number;
  timesteps?: number[];
  previous_timesteps?: number[];
  error?: string;
}

const { entries } = loadParity<{ entries: Entry[] }>('timesteps.json');

function build(e: Entry): DDIMScheduler | DDPMScheduler {
  const config = { num_train_timesteps: e.num_train_timesteps, timestep_spacing: e.timestep_spacing, steps_offset: e.steps_offset };
  return e.scheduler === 'DDIM' ? DDIMScheduler.fromConfig(config) : DDPMScheduler.fromConfig(config);
}

const label = (e: Entry) => `${e.scheduler} ${e.timestep_spacing} offset=${e.steps_offset} steps=${e.num_inference_steps}`;

describe('timestep plans match diffusers set_timesteps exactly', () => {
  it('holds all 126 entries', () => expect(entries).toHaveLength(126));

  for (const e of entries.filter((x) => x.timesteps !== undefined)) {
    if (e.num_inference_steps === 0) continue; // diffusers returns [] for linspace; see the test below
    it(label(e), () => {
      const s = build(e);
      if (e.timesteps!.some((t) => t >= e.num_train_timesteps)) {
        // diffusers plans t = N here (leading, steps_offset 1, N steps) and fails at the first step; the plan
        // itself matches, and setTimesteps refuses it up front.
        expect(Array.from(timestepPlan(s.config, e.num_inference_steps))).toEqual(e.timesteps);
        expect(() => s.setTimesteps(e.num_inference_steps)).toThrow(/^invalid steps_offset/);
        return;
      }
      s.setTimesteps(e.num_inference_steps);
      expect(Array.from(s.timesteps)).toEqual(e.timesteps);
      if (e.previous_timesteps !== undefined && s instanceof DDPMScheduler) {
        expect(Array.from(s.timesteps, (t) => s.previousTimestep(t))).toEqual(e.previous_timesteps);
      }
    });
  }

  it('rejects every step count diffusers rejects (0 and N+1) with a ConfigError', () => {
    const errors = entries.filter((x) => x.error !== undefined);
    expect(errors).toHaveLength(20);
    for (const e of errors) {
      expect(() => build(e).setTimesteps(e.num_inference_steps), label(e)).toThrow(ConfigError);
    }
  });

  it('also rejects 0 steps with linspace, where diffusers silently returns an empty plan', () => {
    const zero = entries.filter((x) => x.num_inference_steps === 0 && x.timesteps !== undefined);
    expect(zero.length).toBeGreaterThan(0);
    for (const e of zero) {
      expect(e.timesteps).toEqual([]);
      expect(() => build(e).setTimesteps(0)).toThrow(/num_inference_steps/);
    }
  });
});
