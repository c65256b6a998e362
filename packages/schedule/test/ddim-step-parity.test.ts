import { describe, expect, it } from 'vitest';
import { ConfigError, DDIMScheduler, parseSchedulerConfig, timestepPlan } from '../src/index.js';
import { loadParity, mismatch, type Figure } from './parity-fixture.js';

interface Step {
  t: number;
  prev_sample: Figure[];
  pred_original_sample: Figure[];
}
interface Case {
  id: number;
  group: 'grid' | 'extra';
  full_config: Record<string, unknown>;
  num_inference_steps: number;
  eta: number;
  use_clipped_model_output: boolean;
  final_alpha_cumprod: number;
  steps: Step[];
}
interface Probe {
  description: string;
  full_config: Record<string, unknown>;
  num_inference_steps: number | null;
  t: number;
  step_kwargs: { eta: number };
  generator_passed: boolean;
  prev_sample?: Figure[];
  pred_original_sample?: Figure[];
  error?: string;
}
interface DdimFile {
  inputs: { shape: number[]; sample: number[]; model_output: number[]; noise: number[] };
  cases: Case[];
  probes: Probe[];
}

const file = loadParity<DdimFile>('ddim_steps.json.gz');
const sample = Float32Array.from(file.inputs.sample);
const modelOutput = Float32Array.from(file.inputs.model_output);
const noise = Float32Array.from(file.inputs.noise);
const TOL = { atol: 2e-5, rtol: 2e-5 };

const isZeroSnrEpsilon = (c: { full_config: Record<string, unknown> }) =>
  c.full_config['rescale_betas_zero_snr'] === true && c.full_config['prediction_type'] === 'epsilon';

describe('DDIM step matches diffusers, one independent step per timestep', () => {
  it('holds 288 grid and 14 extra cases', () => {
    expect(file.cases.filter((c) => c.group === 'grid')).toHaveLength(288);
    expect(file.cases.filter((c) => c.group === 'extra')).toHaveLength(14);
  });

  for (const c of file.cases) {
    if (isZeroSnrEpsilon(c)) continue; // refused by denoise: see config-zero-snr-epsilon.test.ts
    it(`case ${c.id} (${c.group}) eta=${c.eta} steps=${c.num_inference_steps}`, () => {
      const s = DDIMScheduler.fromConfig(c.full_config);
      s.setTimesteps(c.num_inference_steps);
      expect(Array.from(s.timesteps)).toEqual(c.steps.map((x) => x.t));
      expect(s.finalAlphaCumprod).toBe(c.final_alpha_cumprod);
      for (const step of c.steps) {
        const out = s.step(modelOutput, step.t, sample, {
          eta: c.eta,
          useClippedModelOutput: c.use_clipped_model_output,
          noise,
        });
        expect(mismatch(out.prevSample, step.prev_sample, TOL), `t=${step.t} prev_sample`).toBeNull();
        expect(mismatch(out.predOriginalSample, step.pred_original_sample, TOL), `t=${step.t} pred_original_sample`).toBeNull();
      }
    });
  }

  it('zero-SNR + epsilon, where diffusers returns ±Infinity, is refused at construction', () => {
    const cases = file.cases.filter(isZeroSnrEpsilon);
    expect(cases).toHaveLength(1);
    const infinite = cases[0]!.steps[0]!.prev_sample.some((v) => v === 'Infinity' || v === '-Infinity');
    expect(infinite).toBe(true);
    expect(() => DDIMScheduler.fromConfig(cases[0]!.full_config)).toThrow(ConfigError);
  });
});

/** Whether diffusers' plan for a probe leaves [0, N) (leading spacing, steps_offset 1, N steps). */
function planLeavesRange(p: Probe): boolean {
  if (p.num_inference_steps === null) return false;
  // Only the plan's keys matter here (a probe's bad prediction_type is the probe's own subject).
  const { num_train_timesteps, timestep_spacing, steps_offset } = p.full_config;
  const { config } = parseSchedulerConfig({ num_train_timesteps, timestep_spacing, steps_offset }, { scheduler: 'DDIMScheduler' });
  return timestepPlan(config, p.num_inference_steps).some((t) => t >= config.numTrainTimesteps);
}

describe('DDIM probes', () => {
  for (const p of file.probes) {
    it(p.description, () => {
      let config = p.full_config;
      if (planLeavesRange(p)) {
        // diffusers plans t = 1000 and fails only when stepping it; setTimesteps refuses the whole plan.
        expect(() => DDIMScheduler.fromConfig(config).setTimesteps(p.num_inference_steps!)).toThrow(/^invalid steps_offset: got 1;/);
        if (p.error !== undefined) return;
        // A step's math does not read steps_offset (prev_t = t − N // S), so the in-range steps match with offset 0.
        config = { ...config, steps_offset: 0 };
      }
      const run = () => {
        const s = DDIMScheduler.fromConfig(config);
        if (p.num_inference_steps !== null) s.setTimesteps(p.num_inference_steps);
        return s.step(modelOutput, p.t, sample, { eta: p.step_kwargs.eta, noise });
      };
      if (p.generator_passed) {
        // denoise has no generator argument to step: noise is always explicit, so this conflict cannot arise.
        expect(p.error).toMatch(/generator and variance_noise/);
        return;
      }
      if (p.error !== undefined) {
        expect(run).toThrow();
        return;
      }
      const out = run();
      expect(mismatch(out.prevSample, p.prev_sample!, TOL)).toBeNull();
      expect(mismatch(out.predOriginalSample, p.pred_original_sample!, TOL)).toBeNull();
    });
  }

  it('an unknown prediction_type is refused by fromConfig, not later by step', () => {
    expect(() => DDIMScheduler.fromConfig({ prediction_type: 'bogus' })).toThrow(/prediction_type/);
  });

  it('with set_alpha_to_one the last leading step returns prev_sample === pred_original_sample for any eta', () => {
    const s = DDIMScheduler.fromConfig({ set_alpha_to_one: true });
    s.setTimesteps(10);
    for (const eta of [0, 0.5, 1]) {
      const out = s.step(modelOutput, 0, sample, { eta, noise });
      expect(Array.from(out.prevSample)).toEqual(Array.from(out.predOriginalSample));
    }
  });
});
