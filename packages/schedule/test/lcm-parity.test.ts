// LCMScheduler against diffusers (fixtures/parity/diffusers-samplers/lcm.json.gz): the generic harness (with LCM's
// set_timesteps keyword arguments and its `denoised` output), plus what it cannot check generically: the step index,
// previous timestep and boundary scalings of every step, num_inference_steps after custom timesteps with strength,
// the errors diffusers raises after construction (all refused here as ConfigError or RangeError), the probes, and
// img2img's add_noise.
import { describe, expect, it } from 'vitest';
import { ConfigError, LCMScheduler, type Scheduler } from '../src/index.js';
import { num, type Figure } from './parity-fixture.js';
import {
  describeSamplerParity,
  loadSamplerReference,
  noiseDraw,
  relativeError,
  standInModel,
  xT,
  type PlanCall,
} from './sampler-parity.js';

const ref = loadSamplerReference<number | null>('lcm.json.gz');
const make = (config: Record<string, unknown>): LCMScheduler => LCMScheduler.fromConfig(config);
const f32Array = (values: readonly Figure[]): Float32Array => Float32Array.from(values, num);

/** diffusers' `set_timesteps(num_inference_steps, original_inference_steps=…, timesteps=…, strength=…)`. */
function plan(scheduler: Scheduler, call: PlanCall): void {
  const s = scheduler as LCMScheduler;
  const { original_inference_steps: original, timesteps, strength: strengthArgument, ...rest } = call.set_timesteps_kwargs ?? {};
  expect(rest).toEqual({});
  const strength = call.start?.mode === 'lcm_img2img' ? call.start.strength : (strengthArgument as number | undefined);
  const withStrength = strength !== undefined ? { strength } : {};
  if (timesteps !== undefined) {
    expect(call.num_inference_steps).toBeNull();
    s.setCustomTimesteps(timesteps as number[], withStrength);
  } else {
    s.setTimesteps(call.num_inference_steps!, { ...(original !== undefined ? { originalInferenceSteps: original as number } : {}), ...withStrength });
  }
}

/** What denoise does for each error diffusers raises after construction: a ConfigError naming `key`, or another error. */
const REFUSALS: Readonly<Record<string, { readonly why: string; readonly run: (s: LCMScheduler) => unknown; readonly refusal: string | RegExp }>> = {
  'lcm-err-000': { why: 'setTimesteps(steps) always has a count: neither count nor list cannot be expressed', run: (s) => s.setTimesteps(undefined as unknown as number), refusal: 'num_inference_steps' },
  'lcm-err-002': { why: 'original_inference_steps above num_train_timesteps', run: (s) => s.setTimesteps(4, { originalInferenceSteps: 1001 }), refusal: 'original_inference_steps' },
  'lcm-err-003': { why: 'the config’s original_inference_steps, refused by fromConfig', run: (s) => s, refusal: 'original_inference_steps' },
  'lcm-err-005': { why: 'more steps than num_train_timesteps', run: (s) => s.setTimesteps(1200, { originalInferenceSteps: 1000 }), refusal: 'num_inference_steps' },
  'lcm-err-006': { why: 'more steps than the original schedule has', run: (s) => s.setTimesteps(51), refusal: 'num_inference_steps' },
  'lcm-err-008': { why: 'strength above 1 (diffusers does not check it)', run: (s) => s.setTimesteps(60, { strength: 2 }), refusal: 'strength' },
  'lcm-err-011': { why: 'custom timesteps not descending', run: (s) => s.setCustomTimesteps([259, 499, 759]), refusal: 'timesteps[1]' },
  'lcm-err-012': { why: 'custom timesteps starting at num_train_timesteps', run: (s) => s.setCustomTimesteps([1000, 500]), refusal: 'timesteps[0]' },
  'lcm-err-014': { why: 'an unknown prediction_type, refused by fromConfig (diffusers: at step)', run: (s) => s, refusal: 'prediction_type' },
  'lcm-err-015': { why: 'an unknown prediction_type, refused by fromConfig (diffusers: at step)', run: (s) => s, refusal: 'prediction_type' },
  'lcm-err-016': { why: 'step before setTimesteps', run: (s) => s.step(standInModel(xT(), 999), 999, xT()), refusal: /needs setTimesteps/ },
  'lcm-err-017': { why: 'step before setTimesteps', run: (s) => s.step(standInModel(xT(), 259), 259, xT()), refusal: /needs setTimesteps/ },
  'lcm-err-021': { why: 'a first step at a timestep off the plan (RangeError)', run: (s) => (s.setTimesteps(2), s.step(standInModel(xT(), 998), 998, xT(), { noise: noiseDraw(0) })), refusal: /timestep 998 is not in the planned timesteps/ },
};

/** Errors whose call has no spelling in denoise's typed API, with the reason. */
const NOT_EXPRESSIBLE: Readonly<Record<string, string>> = {
  'lcm-err-001': 'a step count and a custom list are two methods (setTimesteps, setCustomTimesteps), so one call cannot pass both',
};

describeSamplerParity(ref, make, {
  plan,
  skip: {
    'lcm-extra-008': 'zero terminal SNR with epsilon prediction is refused by fromConfig (diffusers: NaN at t = 999); see below',
  },
  refusedPlans: {
    'lcm-ts-058': 'strength 0.4 keeps none of the 2 custom timesteps: diffusers plans nothing, denoise refuses an empty plan',
  },
  errorsTestedElsewhere: Object.fromEntries(ref.errors.filter((e) => e.action !== 'constructor').map((e) => [e.id, 'tested in lcm-parity.test.ts'])),
});

describe('LCMScheduler: the errors diffusers raises after construction', () => {
  it('the refusal table and the inexpressible list cover exactly the non-constructor error cases of the file', () => {
    expect([...Object.keys(REFUSALS), ...Object.keys(NOT_EXPRESSIBLE)].sort()).toEqual(ref.errors.filter((e) => e.action !== 'constructor').map((e) => e.id).sort());
  });

  for (const e of ref.errors.filter((c) => c.action !== 'constructor' && REFUSALS[c.id] !== undefined)) {
    const { why, run, refusal } = REFUSALS[e.id]!;
    it(`${e.id}: ${why}`, () => {
      let error: unknown;
      try {
        run(make(e.config));
      } catch (caught) {
        error = caught;
      }
      expect(error, e.error).toBeInstanceOf(Error);
      if (typeof refusal === 'string') {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).key).toBe(refusal);
      } else {
        expect((error as Error).message).toMatch(refusal);
      }
    });
  }
});

describe('LCMScheduler bookkeeping matches diffusers', () => {
  it('num_inference_steps after every plan (the full list length for custom timesteps with strength)', () => {
    let checked = 0;
    type Planned = PlanCall & { id: string; full_config: Record<string, unknown>; num_inference_steps_attr?: number; error?: string };
    for (const c of [...ref.set_timesteps, ...ref.trajectories] as Planned[]) {
      if (c.error !== undefined || c.id === 'lcm-extra-008' || c.id === 'lcm-ts-058') continue;
      const s = make(c.full_config);
      plan(s, c);
      expect(s.numInferenceSteps, c.id).toBe(c.num_inference_steps_attr);
      expect(s.customTimesteps, c.id).toBe(c.set_timesteps_kwargs?.['timesteps'] !== undefined);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('every step: the step index, the previous timestep, c_skip and c_out (float32 labels) and the state after the loop', () => {
    let worst = 0;
    for (const traj of ref.trajectories) {
      if (traj.id === 'lcm-extra-008') continue;
      const s = make(traj.full_config);
      plan(s, traj);
      let input = f32Array(traj.sample_init);
      for (const step of traj.steps) {
        const at = `${traj.id} step ${step.k}`;
        const index = step.observed['step_index'] as number;
        const next = s.timesteps[index + 1];
        expect(next ?? step.t, at).toBe(step.observed['prev_timestep']);
        const { cSkip, cOut } = s.boundaryScalings(step.t);
        for (const [got, label] of [[cSkip, step.observed['c_skip']], [cOut, step.observed['c_out']]] as const) {
          const r = Math.abs(got - (label as number)) / Math.abs(label as number);
          worst = Math.max(worst, r);
          expect(r, at).toBeLessThanOrEqual(1.2e-7); // one float32 rounding
        }
        s.step(f32Array(step.model_output), step.t, input, step.noise?.[0] ? { noise: f32Array(step.noise[0]) } : {});
        expect(s.stepIndex, at).toBe(index + 1);
        input = f32Array(step.prev_sample);
      }
      expect(s.stepIndex, traj.id).toBe(traj.state_after_loop['step_index']);
    }
    expect(worst).toBeGreaterThan(0);
  });

  it('before setTimesteps: N−1 … 0, no step count, unit init_noise_sigma, order 1', () => {
    const s = make({});
    const before = ref.defaults['timesteps_before_set_timesteps'] as { len: number; head: number[]; tail: number[] };
    expect(s.timesteps.length).toBe(before.len);
    expect(Array.from(s.timesteps.slice(0, 3))).toEqual(before.head);
    expect(Array.from(s.timesteps.slice(-3))).toEqual(before.tail);
    expect(s.numInferenceSteps).toBe(ref.defaults['num_inference_steps_before_set_timesteps']);
    expect(s.initNoiseSigma).toBe(ref.defaults['init_noise_sigma_before_set_timesteps']);
    expect(() => s.noiseDrawnAt(999)).toThrow(/needs setTimesteps/);
  });
});

describe('LCMScheduler: the probes', () => {
  const probes = (kind: string) => ref.probes.filter((p) => p.kind === kind);
  const lcmDreamshaper = ref.trajectories.find((t) => t.id === 'lcm-grid-000')!.full_config;

  /** The free-running txt2img loop of the reference, returning every step's output. */
  function run(config: Record<string, unknown>, call: PlanCall): { prev: Float32Array[]; denoised: Float32Array[]; draws: number } {
    const s = make(config);
    plan(s, call);
    let x = xT();
    const prev: Float32Array[] = [];
    const denoised: Float32Array[] = [];
    let draws = 0;
    for (const t of s.timesteps) {
      const noise = s.noiseDrawnAt(t) ? noiseDraw(draws++) : undefined;
      const out = s.step(standInModel(x, t), t, x, noise ? { noise } : {});
      x = Float32Array.from(out.prevSample);
      prev.push(x);
      denoised.push(Float32Array.from(out.denoised!));
    }
    return { prev, denoised, draws };
  }

  it('timestep_spacing, steps_offset and set_alpha_to_one change nothing: the same trajectory bit for bit', () => {
    const cases = probes('config_without_effect');
    expect(cases.length).toBe(4);
    for (const p of cases) {
      const call = { num_inference_steps: p['num_inference_steps'] as number };
      const s = make(p['full_config'] as Record<string, unknown>);
      plan(s, call);
      expect(Array.from(s.timesteps)).toEqual(p['timesteps']);
      expect(p['trajectory_identical']).toBe(true);
      expect(run(p['full_config'] as Record<string, unknown>, call)).toEqual(run(lcmDreamshaper, call));
    }
  });

  it('the last step draws no noise and returns denoised; custom timesteps with strength draw at every kept step', () => {
    const cases = [...probes('last_step'), ...probes('custom_timesteps_with_strength')];
    expect(cases.length).toBe(3);
    for (const p of cases) {
      const call = { num_inference_steps: (p['num_inference_steps'] as number | undefined) ?? null, set_timesteps_kwargs: p['set_timesteps_kwargs'] as Record<string, unknown> };
      const result = run(p['full_config'] as Record<string, unknown>, call);
      expect(result.draws).toBe(p['noise_draws']);
      expect(result.prev.at(-1)!.every((v, i) => v === result.denoised.at(-1)![i])).toBe(p['last_prev_sample_equals_denoised']);
    }
  });

  it('init_noise_sigma is 1 and scaleModelInput returns the sample itself', () => {
    const [p] = probes('init_noise_sigma');
    const s = make(p!['full_config'] as Record<string, unknown>);
    s.setTimesteps(4);
    expect(s.initNoiseSigma).toBe(p!['init_noise_sigma']);
    const x = xT();
    expect(s.scaleModelInput(x, 999)).toBe(x);
  });

  it('c_skip and c_out tables for timestep_scaling 10 and 1, within one float32 rounding', () => {
    const cases = probes('boundary_condition_scalings');
    expect(cases.length).toBe(2);
    for (const p of cases) {
      const s = make(p['full_config'] as Record<string, unknown>);
      (p['t'] as number[]).forEach((t, i) => {
        const { cSkip, cOut } = s.boundaryScalings(t);
        const expectSkip = (p['c_skip'] as number[])[i]!;
        const expectOut = (p['c_out'] as number[])[i]!;
        expect(Math.abs(cSkip - expectSkip), `c_skip(${t})`).toBeLessThanOrEqual(1.2e-7 * expectSkip);
        expect(Math.abs(cOut - expectOut), `c_out(${t})`).toBeLessThanOrEqual(1.2e-7 * Math.max(expectOut, 1e-30));
      });
    }
  });
});

describe('LCMScheduler: zero terminal SNR and img2img', () => {
  it('keeps ᾱ_999 = 0 (no clamp); epsilon prediction is refused there, v-prediction runs', () => {
    const traj = ref.trajectories.find((t) => t.id === 'lcm-extra-008')!;
    expect(traj.has_nonfinite).toBe(true);
    expect(() => make(traj.full_config)).toThrow(ConfigError);
    expect(() => make(traj.full_config)).toThrow(/invalid prediction_type: got "epsilon"/);
    const v = make({ ...traj.full_config, prediction_type: 'v_prediction' });
    expect(v.alphasCumprod[999]).toBe(0);
    expect(run4(v).every(Number.isFinite)).toBe(true);
  });

  it('addNoise reproduces sample_init (√ᾱ·x_img + √(1−ᾱ)·x_T at the first timestep)', () => {
    const xImg = Float32Array.from({ length: 48 }, (_, i) => 0.8 * Math.cos(0.53 * i + 0.7));
    const cases = ref.trajectories.filter((t) => t.start !== null);
    expect(cases.length).toBe(5);
    for (const traj of cases) {
      const s = make(traj.full_config);
      plan(s, traj);
      const got = s.addNoise(xImg, xT(), s.timesteps[0]!);
      expect(relativeError(got, traj.sample_init).worst, traj.id).toBeLessThanOrEqual(2e-6);
    }
  });
});

/** Four steps of the stand-in model from x_T, returning the final sample. */
function run4(s: LCMScheduler): Float32Array {
  s.setTimesteps(4);
  let x = xT();
  let draws = 0;
  for (const t of s.timesteps) {
    const noise = s.noiseDrawnAt(t) ? noiseDraw(draws++) : undefined;
    x = Float32Array.from(s.step(standInModel(x, t), t, x, noise ? { noise } : {}).prevSample);
  }
  return x;
}
