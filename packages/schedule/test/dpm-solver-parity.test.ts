// DPMSolverMultistepScheduler against diffusers (fixtures/parity/diffusers-samplers/dpmsolver_multistep.json.gz):
// the generic harness, then what it cannot check generically: the errors raised outside the constructor,
// the probes, diffusers' own bookkeeping per step (index, order, lower_order_nums), img2img's add_noise,
// learned variance, batches and buffer reuse.
import { describe, expect, it } from 'vitest';
import { finiteSigmaAlphasCumprod } from '../src/beta-schedule.js';
import { DPMSolverMultistepScheduler } from '../src/dpm-solver-multistep-scheduler.js';
import { multistepSchedule } from '../src/multistep-schedule.js';
import { parseSchedulerConfig } from '../src/scheduler-config-registry.js';
import type { StepOptions } from '../src/step-types.js';
import { num, type Figure } from './parity-fixture.js';
import { describeSamplerParity, loadSamplerReference, relativeError, type Trajectory } from './sampler-parity.js';

const ref = loadSamplerReference('dpmsolver_multistep.json.gz');
const make = (config: unknown): DPMSolverMultistepScheduler => DPMSolverMultistepScheduler.fromConfig(config);
const f32Array = (values: readonly Figure[]): Float32Array => Float32Array.from(values, num);

describeSamplerParity(ref, make, {
  errorsTestedElsewhere: {
    'dpm-err-011': 'denoise refuses the unknown final_sigmas_type at construction (tested below)',
    'dpm-err-012': 'denoise refuses the unknown final_sigmas_type at construction (tested below)',
    'dpm-err-014': 'denoise refuses the unknown timestep_spacing at construction (tested below)',
    'dpm-err-015': 'denoise refuses the unknown prediction_type at construction (tested below)',
    'dpm-err-016': 'denoise refuses the unknown prediction_type at construction (tested below)',
    'dpm-err-017': 'step before setTimesteps (tested below)',
    'dpm-err-018': 'step before setTimesteps (tested below)',
    'dpm-err-019': 'setTimesteps without a step count (tested below)',
    'dpm-err-021': 'denoise has no custom-timesteps setTimesteps for DPM-Solver',
    'dpm-err-022': 'denoise has no custom-timesteps setTimesteps for DPM-Solver',
  },
});

const errorCase = (id: string) => ref.errors.find((e) => e.id === id)!;
const xT = (): Float32Array => f32Array((ref as unknown as { inputs: { x_T: Figure[] } }).inputs.x_T);

describe('DPMSolverMultistepScheduler: errors diffusers raises outside the constructor', () => {
  it('refuses at construction what diffusers refuses in set_timesteps or step (bad final_sigmas_type, spacing, prediction_type)', () => {
    for (const id of ['dpm-err-011', 'dpm-err-012', 'dpm-err-014', 'dpm-err-015', 'dpm-err-016']) {
      expect(() => make(errorCase(id).config), id).toThrow(/invalid/);
    }
  });

  it('step before setTimesteps throws (dpm-err-017, -018)', () => {
    for (const id of ['dpm-err-017', 'dpm-err-018']) {
      const s = make(errorCase(id).config);
      const x = xT();
      expect(() => s.step(x, 999, x, { noise: x }), id).toThrow(/setTimesteps/);
    }
  });

  it('setTimesteps without a step count throws (dpm-err-019)', () => {
    const s = make(errorCase('dpm-err-019').config);
    expect(() => s.setTimesteps(undefined as unknown as number)).toThrow(/num_inference_steps/);
  });

  it("checks final_sigmas_type against the algorithm as given: deis with the default 'zero' is refused", () => {
    expect(() => make({ algorithm_type: 'deis' })).toThrow(/final_sigmas_type/);
    expect(() => make({ algorithm_type: 'dpmsolver' })).toThrow(/final_sigmas_type/);
    expect(make({ algorithm_type: 'deis', final_sigmas_type: 'sigma_min' }).config.algorithmType).toBe('dpmsolver++');
  });

  it("sde-dpmsolver has no third-order update in diffusers: the first order-3 step throws", () => {
    const s = make({ algorithm_type: 'sde-dpmsolver', final_sigmas_type: 'sigma_min', solver_order: 3 });
    s.setTimesteps(10);
    let x = xT();
    const noise = { noise: xT() };
    for (let k = 0; k < 2; k++) x = Float32Array.from(s.step(x.map((v) => 0.1 * v), s.timesteps[k]!, x, noise).prevSample);
    expect(() => s.step(x, s.timesteps[2]!, x, noise)).toThrow(/third-order/);
  });

  it('the SDE variants need noise at every step', () => {
    const s = make({ algorithm_type: 'sde-dpmsolver++' });
    s.setTimesteps(5);
    const x = xT();
    expect(s.noiseDrawnAt(s.timesteps[4]!)).toBe(true);
    expect(() => s.step(x, s.timesteps[0]!, x)).toThrow(/noise/);
  });
});

describe('DPMSolverMultistepScheduler: probes', () => {
  for (const p of ref.probes) {
    const probe = p as Record<string, any>;
    it(`${probe.kind}: ${probe.description}`, () => {
      switch (probe.kind) {
        case 'config_remap': {
          const s = make(probe.config);
          for (const [key, value] of Object.entries(probe.resolved as Record<string, unknown>)) {
            expect(s.toConfig()[key]).toBe(value);
          }
          const { _class_name, ...written } = s.toConfig();
          expect(written).toEqual(probe.full_config);
          // Same trajectory as the config it is rewritten to.
          const twin = make({ ...probe.config, ...probe.trajectory_identical_to });
          expect(run(s, probe.num_inference_steps)).toEqual(run(twin, probe.num_inference_steps));
          break;
        }
        case 'timestep_not_in_schedule': {
          const s = make(probe.full_config);
          s.setTimesteps(probe.num_inference_steps);
          expect(Array.from(s.timesteps)).toEqual(probe.timesteps);
          const out = s.step(f32Array(probe.model_output), probe.t, f32Array(probe.sample));
          expect(s.stepIndex).toBe(probe.step_index_used + 1);
          expect(s.lastSolverOrder).toBe(1);
          expect(relativeError(out.prevSample, probe.prev_sample).worst).toBeLessThanOrEqual(2e-6);
          break;
        }
        case 'duplicate_timestep_lookup': {
          const s = make(probe.full_config);
          s.setTimesteps(probe.num_inference_steps);
          expect(Array.from(s.timesteps)).toEqual(probe.timesteps);
          const x = xT();
          s.step(x.map((v) => 0.1 * v), probe.t, x);
          expect(s.stepIndex).toBe(probe.step_index_chosen + 1);
          break;
        }
        default:
          expect.fail(`unknown probe kind ${probe.kind}`);
      }
    });
  }
});

/** Final sample of a deterministic txt2img run with a fixed linear stand-in model output. */
function run(s: DPMSolverMultistepScheduler, steps: number): number[] {
  s.setTimesteps(steps);
  let x = xT();
  for (const t of s.timesteps) x = Float32Array.from(s.step(x.map((v) => 0.2 * v + 0.01 * (t / 1000)), t, x).prevSample);
  return Array.from(x);
}

function replayOptions(step: Trajectory['steps'][number]): StepOptions {
  const noise = step.noise?.[0];
  return noise ? { noise: f32Array(noise) } : {};
}

describe("DPMSolverMultistepScheduler: diffusers' bookkeeping per step", () => {
  for (const traj of ref.trajectories) {
    it(`${traj.id}: step index, order used, lower_order_nums`, () => {
      const s = make(traj.full_config);
      s.setTimesteps(traj.num_inference_steps);
      if (traj.start?.mode === 'begin_index') s.setBeginIndex(traj.t_start_index);
      let input = f32Array(traj.sample_init);
      for (const step of traj.steps) {
        s.step(f32Array(step.model_output), step.t, input, replayOptions(step));
        expect(s.stepIndex, `${traj.id} step ${step.k}`).toBe((step.observed.step_index as number) + 1);
        expect(s.lastSolverOrder, `${traj.id} step ${step.k}`).toBe(step.observed.solver_order_used);
        expect(s.lowerOrderNums, `${traj.id} step ${step.k}`).toBe(step.observed.lower_order_nums_after);
        input = f32Array(step.prev_sample);
      }
      expect(s.stepIndex).toBe(traj.state_after_loop.step_index);
      expect(s.lowerOrderNums).toBe(traj.state_after_loop.lower_order_nums);
    });
  }
});

describe('DPMSolverMultistepScheduler: img2img add_noise', () => {
  const xImg = f32Array((ref as unknown as { inputs: { x_img: Figure[] } }).inputs.x_img);
  for (const traj of ref.trajectories.filter((t) => t.start !== null)) {
    it(`${traj.id} (${traj.start!.mode}): sample_init = α_t·x_img + σ_t·x_T, bit for bit`, () => {
      const s = make(traj.full_config);
      s.setTimesteps(traj.num_inference_steps);
      if (traj.start!.mode === 'begin_index') s.setBeginIndex(traj.t_start_index);
      const t = s.timesteps[traj.t_start_index]!;
      expect(Array.from(s.addNoise(xImg, xT(), t))).toEqual(traj.sample_init.map(num));
    });
  }

  it('one timestep per batch item', () => {
    const s = make({});
    s.setTimesteps(10);
    const x = new Float32Array([...xT(), ...xT()]);
    const both = s.addNoise(x, x, Int32Array.of(s.timesteps[2]!, s.timesteps[7]!));
    expect(Array.from(both.subarray(0, 48))).toEqual(Array.from(s.addNoise(xT(), xT(), s.timesteps[2]!)));
    expect(Array.from(both.subarray(48))).toEqual(Array.from(s.addNoise(xT(), xT(), s.timesteps[7]!)));
  });
});

describe('DPMSolverMultistepScheduler: batches, learned variance, buffers', () => {
  const configs = [
    { solver_order: 3, thresholding: true, sample_max_value: 1.2, dynamic_thresholding_ratio: 0.9 },
    { algorithm_type: 'dpmsolver', final_sigmas_type: 'sigma_min', thresholding: true, prediction_type: 'v_prediction' },
    { algorithm_type: 'sde-dpmsolver++', use_karras_sigmas: true, solver_order: 2 },
  ];
  const model = (x: Float32Array, t: number): Float32Array => x.map((v, i) => Math.tanh(0.5 * v) * (t / 1000) + 0.01 * Math.sin(i));

  for (const config of configs) {
    it(`a batch of two steps each item as alone (thresholding per item): ${JSON.stringify(config)}`, () => {
      const one = make(config);
      const two = make(config);
      one.setTimesteps(8);
      two.setTimesteps(8);
      const a = xT();
      const b = xT().map((v) => -2 * v + 0.3);
      let batch = new Float32Array([...a, ...b]);
      let x = a;
      for (const t of one.timesteps) {
        const noise = xT().map((v) => Math.cos(v + t));
        const o1 = one.step(model(x, t), t, x, { noise });
        const o2 = two.step(model(batch, t), t, batch, { noise: new Float32Array([...noise, ...noise]), batchSize: 2 });
        if (config.thresholding) expect(Array.from(o2.prevSample.subarray(48))).not.toEqual(Array.from(o2.prevSample.subarray(0, 48)));
        expect(Array.from(o2.prevSample.subarray(0, 48))).toEqual(Array.from(o1.prevSample));
        expect(Array.from(o2.predOriginalSample.subarray(0, 48))).toEqual(Array.from(o1.predOriginalSample));
        x = Float32Array.from(o1.prevSample);
        batch = Float32Array.from(o2.prevSample);
      }
    });
  }

  it('learned variance: the model output has 2C channels per item and the first C are used', () => {
    const plain = make({ solver_order: 2 });
    const learned = make({ solver_order: 2, variance_type: 'learned_range' });
    plain.setTimesteps(6);
    learned.setTimesteps(6);
    let x = new Float32Array([...xT(), ...xT().map((v) => v / 2)]);
    let y = Float32Array.from(x);
    for (const t of plain.timesteps) {
      const eps = model(x, t);
      const withVariance = new Float32Array(4 * 48);
      withVariance.set(eps.subarray(0, 48), 0);
      withVariance.fill(7, 48, 96);
      withVariance.set(eps.subarray(48), 96);
      withVariance.fill(-7, 144);
      x = Float32Array.from(plain.step(eps, t, x, { batchSize: 2 }).prevSample);
      y = Float32Array.from(learned.step(withVariance, t, y, { batchSize: 2 }).prevSample);
      expect(Array.from(y)).toEqual(Array.from(x));
    }
    learned.setTimesteps(6);
    expect(() => learned.step(new Float32Array(96), 999, new Float32Array(96), { batchSize: 2 })).toThrow(/elements/);
    expect(learned.stepIndex).toBeNull();
  });

  it('copies the model outputs it keeps and allows prevSample to be the sample itself', () => {
    const fresh = make({ solver_order: 3 });
    const reused = make({ solver_order: 3 });
    fresh.setTimesteps(7);
    reused.setTimesteps(7);
    let x = xT();
    const y = xT();
    const modelBuffer = new Float32Array(48);
    const out = { prevSample: y, predOriginalSample: new Float32Array(48) };
    for (const t of fresh.timesteps) {
      const eps = model(x, t);
      x = Float32Array.from(fresh.step(eps, t, x).prevSample);
      modelBuffer.set(model(y, t));
      const r = reused.step(modelBuffer, t, y, { out });
      modelBuffer.fill(NaN);
      expect(r.prevSample).toBe(y);
      expect(Array.from(y)).toEqual(Array.from(x));
    }
  });

  it('setTimesteps resets the multistep state and the begin index', () => {
    const s = make({ solver_order: 3 });
    const first = run(s, 9);
    s.setBeginIndex(3);
    expect(run(s, 9)).toEqual(first);
    expect(s.beginIndex).toBeNull();
  });
});

describe("multistepSchedule (shared with UniPC) reproduces UniPC's set_timesteps tables too", () => {
  const unipc = loadSamplerReference('unipc_multistep.json.gz');
  const cases = [...unipc.set_timesteps, ...unipc.trajectories].filter((c) => !('error' in c && c.error !== undefined));
  it(`${cases.length} tables: timesteps exactly, sigmas bit for bit`, () => {
    for (const c of cases) {
      const { config } = parseSchedulerConfig(c.full_config, { scheduler: 'UniPCMultistepScheduler' });
      const { alphasCumprod } = finiteSigmaAlphasCumprod(config);
      const planned = multistepSchedule(config, alphasCumprod, c.num_inference_steps, { family: 'unipc' });
      expect(Array.from(planned.timesteps), c.id).toEqual(c.timesteps!.map(num));
      expect(Array.from(planned.sigmas), c.id).toEqual(c.sigmas!.map(num));
    }
  });
});

describe("denoise extension equal_sigma_step: 'identity' (diffusers' NaN at h = 0)", () => {
  const degenerate = ref.trajectories.filter((t) => t.has_nonfinite);

  it('the reference cases with NaN are exactly the Karras + sigma_min + order-3 last steps', () => {
    expect(degenerate.map((t) => t.id).sort()).toEqual(['dpm-grid-023', 'dpm-grid-047', 'dpm-pred-001']);
  });

  for (const traj of degenerate) {
    it(`${traj.id}: every step as diffusers except the last, which returns its input`, () => {
      const s = make({ ...traj.full_config, equal_sigma_step: 'identity' });
      expect(s.toConfig().equal_sigma_step).toBe('identity');
      s.setTimesteps(traj.num_inference_steps);
      const sigmas = s.sigmas;
      expect(sigmas[sigmas.length - 1]).toBe(sigmas[sigmas.length - 2]);
      let input = f32Array(traj.sample_init);
      for (const step of traj.steps) {
        const out = s.step(f32Array(step.model_output), step.t, input, replayOptions(step));
        if (step.k === traj.steps.length - 1) {
          expect(step.prev_sample.map(num).every(Number.isNaN)).toBe(true);
          expect(Array.from(out.prevSample)).toEqual(Array.from(input));
        } else {
          expect(relativeError(out.prevSample, step.prev_sample).worst).toBeLessThanOrEqual(traj.tolerance.replay);
        }
        input = f32Array(step.prev_sample);
      }
    });
  }

  it("heun order 2 gives NaN at h = 0 by default, the sample with 'identity'; the default is not written by toConfig", () => {
    const config = { solver_type: 'heun', use_karras_sigmas: true, final_sigmas_type: 'sigma_min', lower_order_final: false };
    expect('equal_sigma_step' in make(config).toConfig()).toBe(false);
    expect(run(make(config), 6).every(Number.isNaN)).toBe(true);
    const fixed = run(make({ ...config, equal_sigma_step: 'identity' }), 6);
    expect(fixed.every(Number.isFinite)).toBe(true);
    expect(() => make({ equal_sigma_step: 'skip' })).toThrow(/equal_sigma_step/);
  });
});
