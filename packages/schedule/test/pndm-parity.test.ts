// PNDMScheduler against diffusers (fixtures/parity/diffusers-samplers/pndm.json.gz): the generic harness,
// plus what it cannot check generically (PRK/PLMS tables, the counter, errors raised at step, add_noise for
// img2img) and the prev_timestep policy.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/index.js';
import { PNDMScheduler } from '../src/pndm-scheduler.js';
import { num, type Figure } from './parity-fixture.js';
import { describeSamplerParity, loadSamplerReference, relativeError, standInModel, xT } from './sampler-parity.js';

const ref = loadSamplerReference('pndm.json.gz');
const make = (config: Record<string, unknown>): PNDMScheduler => PNDMScheduler.fromConfig(config);
const f32 = Math.fround;

describeSamplerParity(ref, make, {
  errorsTestedElsewhere: {
    'pndm-err-004': 'step_plms is not public: step() routes by the counter, so PLMS never runs before the 12 PRK calls',
    'pndm-err-005': 'step_plms is not public: step() routes by the counter, so PLMS never runs before the 12 PRK calls',
  },
});

type PndmTables = { prk_timesteps?: Figure[]; plms_timesteps?: Figure[] };

describe('PNDMScheduler: PRK and PLMS tables, counter', () => {
  it('prkTimesteps and plmsTimesteps equal diffusers for every set_timesteps case', () => {
    let checked = 0;
    for (const c of ref.set_timesteps as (typeof ref.set_timesteps[number] & PndmTables)[]) {
      if (c.error !== undefined) continue;
      const s = make(c.full_config);
      s.setTimesteps(c.num_inference_steps);
      expect(Array.from(s.prkTimesteps), c.id).toEqual(c.prk_timesteps!.map(num));
      expect(Array.from(s.plmsTimesteps), c.id).toEqual(c.plms_timesteps!.map(num));
      expect(Array.from(s.timesteps), c.id).toEqual([...s.prkTimesteps, ...s.plmsTimesteps]);
      const steps = c.num_inference_steps;
      // S+1 calls with skip_prk_steps (1 for S = 1: there is no second timestep to repeat), S+9 with PRK.
      const calls = c.full_config['skip_prk_steps'] ? (steps === 1 ? 1 : steps + 1) : steps + 9;
      expect(s.timesteps.length).toBe(calls);
      checked++;
    }
    expect(checked).toBe(ref.set_timesteps.filter((c) => c.error === undefined).length);
    expect(checked).toBeGreaterThan(30);
  });

  it('timestep_counts probes: S+9 calls with PRK, S+1 with skip_prk_steps', () => {
    const probes = ref.probes.filter((p) => p.kind === 'timestep_counts');
    expect(probes.length).toBe(2);
    for (const p of probes) {
      const s = make(p['full_config'] as Record<string, unknown>);
      s.setTimesteps(p['num_inference_steps'] as number);
      expect(s.timesteps.length).toBe(p['len_timesteps']);
      expect(Array.from(s.prkTimesteps)).toEqual(p['prk_timesteps']);
      expect(Array.from(s.plmsTimesteps)).toEqual(p['plms_timesteps']);
    }
  });

  it('the counter after each replayed trajectory equals diffusers', () => {
    for (const traj of ref.trajectories) {
      const s = make(traj.full_config);
      s.setTimesteps(traj.num_inference_steps);
      let x = Float32Array.from(traj.sample_init.map(num));
      for (const step of traj.steps) {
        expect(s.counter).toBe(step.observed['counter']);
        x = Float32Array.from(s.step(Float32Array.from(step.model_output.map(num)), step.t, x).prevSample);
      }
      expect(s.counter, traj.id).toBe(traj.state_after_loop['counter']);
    }
  });

  it('setTimesteps resets the counter and history: a second run repeats the first bit for bit', () => {
    const traj = ref.trajectories.find((t) => t.id === 'pndm-grid-013')!;
    const s = make(traj.full_config);
    const run = (): Float32Array => {
      s.setTimesteps(traj.num_inference_steps);
      let x = xT();
      for (const t of s.timesteps) x = Float32Array.from(s.step(standInModel(x, t), t, x).prevSample);
      return x;
    };
    const first = run();
    expect(run()).toEqual(first);
  });

  it('before setTimesteps there are no timesteps, and initNoiseSigma is 1', () => {
    const s = make({});
    expect(s.timesteps.length).toBe(0);
    expect(s.numInferenceSteps).toBeNull();
    expect(s.initNoiseSigma).toBe(ref.defaults['init_noise_sigma_before_set_timesteps']);
    expect(s.noiseDrawnAt(500)).toBe(false);
  });

  it('without skip_prk_steps fewer than 4 steps are refused (diffusers fails to broadcast)', () => {
    for (const steps of [1, 2, 3]) expect(() => make({}).setTimesteps(steps)).toThrow(ConfigError);
    expect(() => make({ skip_prk_steps: true }).setTimesteps(1)).not.toThrow();
    make({}).setTimesteps(4);
  });
});

describe('PNDMScheduler: errors diffusers raises after construction', () => {
  for (const e of ref.errors) {
    if (e.rule === 'unsupported_prediction_type') {
      it(`${e.id}: prediction_type sample is refused when the config is read (diffusers: at step)`, () => {
        expect(() => make(e.config)).toThrow(ConfigError);
      });
    }
    if (e.rule === 'unknown_timestep_spacing') {
      it(`${e.id}: ${e.description} is refused when the config is read (diffusers: at set_timesteps)`, () => {
        expect(() => make(e.config)).toThrow(ConfigError);
      });
    }
    if (e.rule === 'step_before_set_timesteps') {
      it(`${e.id}: ${e.description}`, () => {
        const s = make(e.config);
        const t = Number(/tensor\((\d+)\)/.exec(e.action)![1]);
        const x = xT();
        expect(() => s.step(standInModel(x, t), t, x)).toThrow(/setTimesteps/);
      });
    }
  }
});

describe('PNDMScheduler: img2img', () => {
  it('addNoise reproduces sample_init (x = √ᾱ·x_img + √(1−ᾱ)·x_T at the first timestep)', () => {
    const xImg = Float32Array.from({ length: 48 }, (_, i) => 0.8 * Math.cos(0.53 * i + 0.7));
    const cases = ref.trajectories.filter((t) => t.start !== null);
    expect(cases.length).toBeGreaterThan(0);
    for (const traj of cases) {
      const s = make(traj.full_config);
      s.setTimesteps(traj.num_inference_steps);
      const got = s.addNoise(xImg, xT(), s.timesteps[traj.t_start_index]!);
      expect(relativeError(got, traj.sample_init).worst, traj.id).toBeLessThanOrEqual(2e-6);
    }
  });
});

describe("PNDMScheduler: prev_timestep 'schedule' (diffusers steps to t − N // S, off the linspace plan)", () => {
  const n = 48;
  const sample = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  const eps = Float32Array.from({ length: n }, (_, i) => Math.cos(2 * i));
  /** φ of eq. 11 with ε fixed: the DDIM step √ᾱ'·x0 + √(1−ᾱ')·ε, x0 = (x − √(1−ᾱ)·ε)/√ᾱ. */
  const phi = (a: number, ap: number): Float32Array =>
    sample.map((x, i) => Math.sqrt(ap) * ((x - Math.sqrt(1 - a) * eps[i]!) / Math.sqrt(a)) + Math.sqrt(1 - ap) * eps[i]!);
  const closeTo = (actual: Float32Array, expected: Float32Array): void => {
    for (let i = 0; i < n; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(expected[i]!)));
  };

  it('linspace, 20 steps: the first step lands on 949 by default and on the planned 946 with schedule', () => {
    const d = make({ skip_prk_steps: true, timestep_spacing: 'linspace' });
    const s = make({ skip_prk_steps: true, timestep_spacing: 'linspace', prev_timestep: 'schedule' });
    expect(s.config.prevTimestep).toBe('schedule');
    expect(s.toConfig()['prev_timestep']).toBe('schedule');
    d.setTimesteps(20);
    s.setTimesteps(20);
    expect(Array.from(s.timesteps.subarray(0, 3))).toEqual([999, 946, 946]);
    const ac = d.alphasCumprod;
    closeTo(d.step(eps, 999, sample).prevSample, phi(ac[999]!, ac[949]!));
    closeTo(s.step(eps, 999, sample).prevSample, phi(ac[999]!, ac[946]!));
    // The second call redoes the first step: diffusers from 946 + 50 = 996 to 946, schedule from 999 to 946.
    closeTo(d.step(eps, 946, sample).prevSample, phi(ac[996]!, ac[946]!));
    closeTo(s.step(eps, 946, sample).prevSample, phi(ac[999]!, ac[946]!));
  });

  it('PRK half-steps land on the planned midpoint with schedule (trailing, 7 steps: 999 → 927, diffusers 928)', () => {
    const d = make({ timestep_spacing: 'trailing' });
    const s = make({ timestep_spacing: 'trailing', prev_timestep: 'schedule' });
    d.setTimesteps(7);
    s.setTimesteps(7);
    expect(Array.from(s.prkTimesteps.subarray(0, 4))).toEqual([999, 927, 927, 856]);
    const ac = d.alphasCumprod;
    closeTo(d.step(eps, 999, sample).prevSample, phi(ac[999]!, ac[928]!));
    closeTo(s.step(eps, 999, sample).prevSample, phi(ac[999]!, ac[927]!));
  });

  it('with an exact ε (one data point), schedule recovers x0 on a linspace plan and diffusers does not', () => {
    // For data x0 alone, ε(x, t) = (x − √ᾱ_t·x0)/√(1−ᾱ_t) is constant along the exact path, so every step of
    // eq. 11 is exact when it lands where the next call is evaluated.
    const x0 = Float32Array.from({ length: n }, (_, i) => 0.7 * Math.cos(0.37 * i));
    const finalError = (policy: 'diffusers' | 'schedule', skip: boolean): number => {
      const s = make({ skip_prk_steps: skip, timestep_spacing: 'linspace', set_alpha_to_one: true, prev_timestep: policy });
      s.setTimesteps(20);
      const ac = s.alphasCumprod;
      let x = xT();
      for (const t of s.timesteps) {
        const a = ac[t]!;
        const e = x.map((v, i) => (v - Math.sqrt(a) * x0[i]!) / Math.sqrt(1 - a));
        x = Float32Array.from(s.step(e, t, x).prevSample);
      }
      return Math.max(...x.map((v, i) => Math.abs(v - x0[i]!)));
    };
    for (const skip of [true, false]) {
      expect(finalError('schedule', skip)).toBeLessThan(1e-4);
      expect(finalError('diffusers', skip)).toBeGreaterThan(1e-2);
    }
  });

  it('both policies agree bit for bit on leading plans (PRK: when N // S is even)', () => {
    for (const [skip, steps] of [[true, 25], [true, 9], [false, 10], [false, 50]] as const) {
      const a = make({ skip_prk_steps: skip, steps_offset: 1 });
      const b = make({ skip_prk_steps: skip, steps_offset: 1, prev_timestep: 'schedule' });
      a.setTimesteps(steps);
      b.setTimesteps(steps);
      let x = xT();
      for (const t of a.timesteps) {
        const e = standInModel(x, t);
        const pa = a.step(e, t, x);
        expect(b.step(e, t, x)).toEqual(pa);
        x = Float32Array.from(pa.prevSample);
      }
    }
  });

  it('schedule refuses PRK calls out of order and PLMS timesteps off the plan', () => {
    const s = make({ prev_timestep: 'schedule' });
    s.setTimesteps(10);
    expect(() => s.step(eps, 850, sample)).toThrow(RangeError);
    const p = make({ prev_timestep: 'schedule', skip_prk_steps: true });
    p.setTimesteps(10);
    expect(() => p.step(eps, 850, sample)).toThrow(RangeError);
  });

  it('schedule starts part-way (img2img, skip_prk_steps) as diffusers does on a leading plan', () => {
    for (const traj of ref.trajectories.filter((t) => t.start !== null)) {
      const d = make(traj.full_config);
      const s = make({ ...traj.full_config, prev_timestep: 'schedule' });
      d.setTimesteps(traj.num_inference_steps);
      s.setTimesteps(traj.num_inference_steps);
      let x = Float32Array.from(traj.sample_init.map(num));
      let y = Float32Array.from(x);
      for (const t of d.timesteps.subarray(traj.t_start_index)) {
        x = Float32Array.from(d.step(standInModel(x, t), t, x).prevSample);
        y = Float32Array.from(s.step(standInModel(y, t), t, y).prevSample);
      }
      expect(relativeError(x, traj.steps.at(-1)!.prev_sample).worst).toBeLessThanOrEqual(traj.tolerance.free_running!);
      // Leading with 20 steps: t − 50 is the plan; trailing with 10 steps: t − 100 is the plan too.
      expect(y).toEqual(x);
    }
  });
});

describe('PNDMScheduler: step contract', () => {
  it('predOriginalSample is x0 from the call’s own ε (or v) and sample, and out buffers may alias the sample', () => {
    for (const prediction of ['epsilon', 'v_prediction'] as const) {
      const s = make({ skip_prk_steps: false, prediction_type: prediction });
      const plain = make({ skip_prk_steps: false, prediction_type: prediction });
      s.setTimesteps(10);
      plain.setTimesteps(10);
      const x = xT();
      for (const t of s.timesteps) {
        const e = standInModel(x, t);
        const a = s.alphasCumprod[t]!;
        const expected =
          prediction === 'epsilon'
            ? x.map((v, i) => (v - Math.sqrt(1 - a) * e[i]!) / Math.sqrt(a))
            : x.map((v, i) => Math.sqrt(a) * v - Math.sqrt(1 - a) * e[i]!);
        const separate = plain.step(e, t, Float32Array.from(x));
        const out = { prevSample: x, predOriginalSample: new Float32Array(x.length) };
        expect(s.step(e, t, x, { out })).toBe(out);
        for (let i = 0; i < x.length; i++) {
          expect(Math.abs(out.predOriginalSample[i]! - expected[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(expected[i]!)));
        }
        expect(out.prevSample).toBe(x);
        expect(x).toEqual(separate.prevSample);
        expect(out.predOriginalSample).toEqual(separate.predOriginalSample);
      }
    }
  });

  it('keeps copies: reusing the model-output buffer does not change later steps', () => {
    const run = (reuse: boolean): Float32Array => {
      const s = make({ skip_prk_steps: true });
      s.setTimesteps(10);
      const buffer = new Float32Array(48);
      let x = xT();
      for (const t of s.timesteps) {
        const e = standInModel(x, t);
        const m = reuse ? (buffer.set(e), buffer) : e;
        x = Float32Array.from(s.step(m, t, x).prevSample);
        if (reuse) buffer.fill(f32(123));
      }
      return x;
    };
    expect(run(true)).toEqual(run(false));
  });

  it('scaleModelInput returns the sample itself', () => {
    const s = make({});
    const x = xT();
    expect(s.scaleModelInput(x, 999)).toBe(x);
  });
});
