import { describe, expect, it } from 'vitest';
import { DDPMScheduler, timestepPlan } from '../src/index.js';
import { loadParity, mismatch, type Figure } from './parity-fixture.js';

interface Step {
  index: number;
  t: number;
  prev_t: number;
  noise_used: boolean;
  prev_sample: Figure[];
  pred_original_sample: Figure[];
}
interface Case {
  id: number;
  group: 'grid' | 'extra';
  full_config: Record<string, unknown>;
  num_inference_steps: number;
  recorded_indices: number[];
  steps: Step[];
}
interface Probe {
  description: string;
  full_config: Record<string, unknown>;
  num_inference_steps: number | null;
  index: number | null;
  t: number;
  prev_t?: number;
  noise_used?: boolean;
  prev_sample?: Figure[];
  pred_original_sample?: Figure[];
  error?: string;
}

const file = loadParity<{ inputs: { sample: number[]; model_output: number[]; noise: number[] }; cases: Case[]; probes: Probe[] }>(
  'ddpm_steps.json',
);
const sample = Float32Array.from(file.inputs.sample);
const modelOutput = Float32Array.from(file.inputs.model_output);
const noise = Float32Array.from(file.inputs.noise);
// diffusers computes β_t = 1 − ᾱ_t/ᾱ_prev in float32, good to ~1e-4 at small t with 1000 steps (README).
const tolFor = (steps: number) => (steps === 1000 ? { atol: 3e-4, rtol: 3e-4 } : { atol: 2e-5, rtol: 2e-5 });

describe('DDPM step matches diffusers, one independent step per recorded timestep', () => {
  it('holds 36 grid and 18 extra cases', () => {
    expect(file.cases.filter((c) => c.group === 'grid')).toHaveLength(36);
    expect(file.cases.filter((c) => c.group === 'extra')).toHaveLength(18);
  });

  for (const c of file.cases) {
    it(`case ${c.id} (${c.group}) ${String(c.full_config['variance_type'])} ${String(c.full_config['prediction_type'])} steps=${c.num_inference_steps}`, () => {
      const s = DDPMScheduler.fromConfig(c.full_config);
      s.setTimesteps(c.num_inference_steps);
      const tol = tolFor(c.num_inference_steps);
      expect(c.steps.map((x) => x.index)).toEqual(c.recorded_indices);
      for (const step of c.steps) {
        expect(s.timesteps[step.index]).toBe(step.t);
        expect(s.previousTimestep(step.t)).toBe(step.prev_t);
        expect(s.noiseDrawnAt(step.t)).toBe(step.noise_used);
        const out = s.step(modelOutput, step.t, sample, { noise });
        expect(mismatch(out.prevSample, step.prev_sample, tol), `t=${step.t} prev_sample`).toBeNull();
        expect(mismatch(out.predOriginalSample, step.pred_original_sample, tol), `t=${step.t} pred_original_sample`).toBeNull();
      }
    });
  }
});

describe('DDPM probes', () => {
  for (const p of file.probes) {
    it(p.description, () => {
      const s = DDPMScheduler.fromConfig(p.full_config);
      if (p.index !== null && p.t >= s.config.numTrainTimesteps) {
        // diffusers plans t = N (leading, steps_offset 1, N steps) and fails when stepping it; the plan is the
        // same here, but setTimesteps refuses it before any step.
        expect(timestepPlan(s.config, p.num_inference_steps!)[p.index]).toBe(p.t);
        expect(p.error).toMatch(/IndexError/);
        expect(() => s.setTimesteps(p.num_inference_steps!)).toThrow(/^invalid steps_offset: got 1;.*planned timestep 1000/);
        return;
      }
      if (p.num_inference_steps !== null) s.setTimesteps(p.num_inference_steps);
      if (p.index !== null) expect(s.timesteps[p.index]).toBe(p.t);
      const run = () => s.step(modelOutput, p.t, sample, { noise });
      if (p.error !== undefined) {
        expect(run).toThrow(RangeError);
        return;
      }
      expect(s.previousTimestep(p.t)).toBe(p.prev_t);
      expect(s.noiseDrawnAt(p.t)).toBe(p.noise_used);
      const out = run();
      const tol = tolFor(p.num_inference_steps ?? 1000);
      expect(mismatch(out.predOriginalSample, p.pred_original_sample!, tol)).toBeNull();
      if (p.full_config['variance_type'] === 'fixed_large_log') {
        // diffusers' NaN is not copied (see ddpm-fixed-large-log.test.ts); every value here is finite.
        expect(p.prev_sample!.every((v) => v === 'NaN')).toBe(true);
        expect(out.prevSample.every(Number.isFinite)).toBe(true);
        return;
      }
      expect(mismatch(out.prevSample, p.prev_sample!, tol)).toBeNull();
    });
  }
});
