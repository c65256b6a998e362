// UniPCMultistepScheduler against diffusers (fixtures/parity/diffusers-samplers/unipc_multistep.json.gz):
// the generic parity harness, plus what it cannot check generically — the per-step predictor/corrector
// orders, the steps where diffusers raises, the errors raised outside the constructor, the probes, img2img's
// add_noise, and buffer reuse.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { UniPCMultistepScheduler } from '../src/unipc-multistep-scheduler.js';
import { num, type Figure } from './parity-fixture.js';
import { describeSamplerParity, loadSamplerReference, relativeError, standInModel, xT } from './sampler-parity.js';

const ref = loadSamplerReference('unipc_multistep.json.gz');
const f32Array = (values: readonly Figure[]): Float32Array => Float32Array.from(values, num);
const make = (config: Record<string, unknown>): UniPCMultistepScheduler => UniPCMultistepScheduler.fromConfig(config);

const ELSEWHERE = 'tested in unipc-parity.test.ts';
describeSamplerParity(ref, make, {
  errorsTestedElsewhere: Object.fromEntries(ref.errors.filter((e) => e.action !== 'constructor').map((e) => [e.id, ELSEWHERE])),
});

/** The scheduler of a trajectory, planned (and given its begin index) as the reference loop did. */
function planned(id: string): { s: UniPCMultistepScheduler; traj: (typeof ref.trajectories)[number] } {
  const traj = ref.trajectories.find((t) => t.id === id)!;
  const s = make(traj.full_config);
  s.setTimesteps(traj.num_inference_steps);
  if (traj.start?.mode === 'begin_index') s.setBeginIndex(traj.t_start_index);
  return { s, traj };
}

describe('UniPCMultistepScheduler bookkeeping matches diffusers', () => {
  it('every step uses diffusers’ step index and predictor/corrector orders; the state after the loop matches', () => {
    for (const { id } of ref.trajectories) {
      const { s, traj } = planned(id);
      let input = f32Array(traj.sample_init);
      for (const step of traj.steps) {
        const at = `${id} step ${step.k}`;
        s.step(f32Array(step.model_output), step.t, input);
        expect(s.stepIndex, at).toBe((step.observed.step_index as number) + 1);
        expect(s.lastStepOrders, at).toEqual({
          predictor: step.observed.predictor_order,
          corrector: step.observed.corrector_order,
        });
        input = f32Array(step.prev_sample);
      }
      if (traj.raised === null) expect(s.stepIndex, id).toBe(traj.state_after_loop.step_index);
    }
  });

  it('where diffusers raises inside the loop, the same step throws a RangeError after identical earlier steps', () => {
    const raised = ref.trajectories.filter((t) => t.raised !== null);
    expect(raised.map((t) => t.raised!.error_type).sort()).toEqual([
      'AssertionError', 'AssertionError', 'AssertionError', 'IndexError', '_LinAlgError', '_LinAlgError', '_LinAlgError',
    ]);
    for (const traj of raised) {
      const { s } = planned(traj.id);
      let input = f32Array(traj.sample_init);
      for (const step of traj.steps) {
        s.step(f32Array(step.model_output), step.t, input);
        input = f32Array(step.prev_sample);
      }
      expect(traj.steps.length).toBe(traj.raised!.at_step);
      const t = traj.raised!.t;
      const message = traj.raised!.error_type === '_LinAlgError' ? /singular/ : /past the last/;
      expect(() => s.step(standInModel(input, t), t, input), traj.id).toThrow(RangeError);
      expect(() => make(traj.full_config), traj.id).not.toThrow();
      // The message names the cause.
      const fresh = planned(traj.id).s;
      let x = f32Array(traj.sample_init);
      for (const step of traj.steps) {
        fresh.step(f32Array(step.model_output), step.t, x);
        x = f32Array(step.prev_sample);
      }
      expect(() => fresh.step(standInModel(x, t), t, x), traj.id).toThrow(message);
    }
  });

  it('the cases diffusers ends in NaN or ±∞ are reproduced step for step (has_nonfinite)', () => {
    const nonfinite = ref.trajectories.filter((t) => t.has_nonfinite && t.raised === null);
    expect(nonfinite.length).toBeGreaterThan(0);
    for (const traj of nonfinite) {
      const { s } = planned(traj.id);
      let input = f32Array(traj.sample_init);
      traj.steps.forEach((step, k) => {
        const out = s.step(f32Array(step.model_output), step.t, input).prevSample;
        const expectedNonFinite = step.prev_sample.some((v) => typeof v === 'string');
        expect(Array.from(out).some((v) => !Number.isFinite(v)), `${traj.id} step ${k}`).toBe(expectedNonFinite);
        expect(relativeError(out, step.prev_sample).nonFiniteMismatch, `${traj.id} step ${k}`).toBeNull();
        input = f32Array(step.prev_sample);
      });
    }
  });
});

describe('UniPCMultistepScheduler errors diffusers raises outside the constructor', () => {
  const byId = (id: string) => ref.errors.find((e) => e.id === id)!;

  it.each(['unipc-err-009', 'unipc-err-010', 'unipc-err-011', 'unipc-err-013', 'unipc-err-016', 'unipc-err-017'])(
    '%s is refused when the config is read (ConfigError)',
    (id) => {
      expect(() => make(byId(id).config)).toThrow(ConfigError);
    },
  );

  it('unipc-err-014: step() before setTimesteps()', () => {
    const s = make(byId('unipc-err-014').config);
    const x = xT();
    expect(() => s.step(standInModel(x, 999), 999, x)).toThrow(/setTimesteps/);
  });

  it('unipc-err-018/019: custom sigmas are not an input of setTimesteps (it takes a step count only)', () => {
    for (const id of ['unipc-err-018', 'unipc-err-019']) {
      const s = make(byId(id).config);
      expect(() => s.setTimesteps([14.6, 1.0, 0.03] as unknown as number)).toThrow(ConfigError);
    }
  });
});

describe('UniPCMultistepScheduler probes', () => {
  for (const probe of ref.probes.filter((p) => p.kind === 'config_remap')) {
    it(`${probe.description}`, () => {
      const s = make(probe.config as Record<string, unknown>);
      const resolved = probe.resolved as { solver_type: string };
      expect(s.config.solverType).toBe(resolved.solver_type);
      expect(s.toConfig()).toEqual({ _class_name: 'UniPCMultistepScheduler', ...(probe.full_config as object) });
      // Identical trajectory to the resolved solver type.
      const twin = make({ ...(probe.config as object), ...resolved });
      const steps = probe.num_inference_steps as number;
      s.setTimesteps(steps);
      twin.setTimesteps(steps);
      let a = xT();
      let b = xT();
      for (const t of s.timesteps) {
        a = Float32Array.from(s.step(standInModel(a, t), t, a).prevSample);
        b = Float32Array.from(twin.step(standInModel(b, t), t, b).prevSample);
      }
      expect(a).toEqual(b);
    });
  }

  it('a first step at a timestep not in the schedule runs at the last index', () => {
    const probe = ref.probes.find((p) => p.kind === 'timestep_not_in_schedule')!;
    const s = make(probe.full_config as Record<string, unknown>);
    s.setTimesteps(probe.num_inference_steps as number);
    expect(Array.from(s.timesteps)).toEqual(probe.timesteps);
    const t = probe.t as number;
    expect(s.indexForTimestep(t)).toBe(probe.step_index_used);
    const out = s.step(f32Array(probe.model_output as Figure[]), t, f32Array(probe.sample as Figure[])).prevSample;
    expect(relativeError(out, probe.prev_sample as Figure[]).worst).toBeLessThanOrEqual(2e-6);
    expect(s.stepIndex).toBe((probe.step_index_used as number) + 1);
  });

  it('a repeated timestep is looked up at its second occurrence', () => {
    const probe = ref.probes.find((p) => p.kind === 'duplicate_timestep_lookup')!;
    const s = make(probe.full_config as Record<string, unknown>);
    s.setTimesteps(probe.num_inference_steps as number);
    expect(Array.from(s.timesteps)).toEqual(probe.timesteps);
    expect(s.indexForTimestep(probe.t as number)).toBe(probe.step_index_chosen);
    const x = xT();
    s.step(standInModel(x, probe.t as number), probe.t as number, x);
    expect(s.stepIndex).toBe((probe.step_index_chosen as number) + 1);
  });
});

describe('UniPCMultistepScheduler img2img', () => {
  const xImg = (): Float32Array => Float32Array.from({ length: 48 }, (_, i) => 0.8 * Math.cos(0.53 * i + 0.7));

  for (const traj of ref.trajectories.filter((t) => t.start !== null)) {
    it(`${traj.id} (${traj.start!.mode}): addNoise gives sample_init bit for bit`, () => {
      const { s } = planned(traj.id);
      const t = s.timesteps[traj.t_start_index]!;
      const noisy = s.addNoise(xImg(), xT(), t);
      const { worst, nonFiniteMismatch } = relativeError(noisy, traj.sample_init);
      expect(nonFiniteMismatch).toBeNull();
      expect(worst).toBe(0);
      // One timestep per batch item gives the same per item.
      const two = s.addNoise(new Float32Array([...xImg(), ...xImg()]), new Float32Array([...xT(), ...xT()]), Int32Array.of(t, t));
      expect(two.subarray(48)).toEqual(noisy);
    });
  }

  it('setTimesteps clears the begin index; a begin index outside the schedule is refused', () => {
    const s = make({});
    s.setTimesteps(10);
    s.setBeginIndex(4);
    expect(s.beginIndex).toBe(4);
    s.setTimesteps(10);
    expect(s.beginIndex).toBeNull();
    expect(() => s.setBeginIndex(10)).toThrow(RangeError);
    expect(() => s.setBeginIndex(-1)).toThrow(RangeError);
  });
});

describe('UniPCMultistepScheduler buffers', () => {
  it('writes into out (prevSample may be the sample itself) and copies what it keeps', () => {
    for (const config of [{ solver_order: 3 }, { solver_order: 2, predict_x0: false }, { solver_order: 3, solver_type: 'bh1' }]) {
      const plain = make(config);
      const reusing = make(config);
      plain.setTimesteps(12);
      reusing.setTimesteps(12);
      let x = xT();
      const y = xT();
      const eps = new Float32Array(48);
      const pred = new Float32Array(48);
      for (const t of plain.timesteps) {
        const o = plain.step(standInModel(x, t), t, x);
        x = o.prevSample;
        eps.set(standInModel(y, t));
        const r = reusing.step(eps, t, y, { out: { prevSample: y, predOriginalSample: pred } });
        expect(r.prevSample).toBe(y);
        eps.fill(Number.NaN); // the caller reuses its buffer
        expect(y).toEqual(x);
        expect(pred).toEqual(o.predOriginalSample);
      }
    }
  });

  it('predOriginalSample is the x0 estimate in both prediction modes', () => {
    const x0 = make({ predict_x0: true });
    const eps = make({ predict_x0: false });
    x0.setTimesteps(10);
    eps.setTimesteps(10);
    const x = xT();
    const t = x0.timesteps[0]!;
    const a = x0.step(standInModel(x, t), t, x).predOriginalSample;
    const b = eps.step(standInModel(x, t), t, x).predOriginalSample;
    expect(relativeError(b, Array.from(a)).worst).toBeLessThan(1e-6);
  });

  it('never draws noise; the model input is the sample', () => {
    const s = make({});
    s.setTimesteps(5);
    const x = xT();
    expect(s.noiseDrawnAt()).toBe(false);
    expect(s.scaleModelInput(x, 999)).toBe(x);
    expect(s.initNoiseSigma).toBe(1);
  });
});

describe('UniPCMultistepScheduler extensions for diffusers’ degenerate last steps', () => {
  const LIMIT = { zero_sigma_step: 'limit', equal_sigma_step: 'identity' } as const;
  // diffusers ends in NaN/±∞ or a singular solve at the last step: σ = 0 (bh1, ε prediction, order > 1)
  // or h = 0 (Karras with final σ_min, order 3). The index-lookup failures (cosine + Karras) are not these.
  const degenerate = ref.trajectories.filter(
    (t) => (t.has_nonfinite && t.raised === null) || t.raised?.error_type === '_LinAlgError',
  );

  it('the defaults are diffusers’ and are not written by toConfig', () => {
    const s = make({});
    expect(s.config.zeroSigmaStep).toBe('diffusers');
    expect(s.config.equalSigmaStep).toBe('diffusers');
    const t = make(LIMIT);
    expect(t.toConfig()).toMatchObject(LIMIT);
    expect(make(t.toConfig()).config).toEqual(t.config);
    expect(() => make({ zero_sigma_step: 'x0' })).toThrow(ConfigError);
  });

  it.each(degenerate.map((t) => t.id))('%s: same steps as diffusers, then a finite last step', (id) => {
    const traj = ref.trajectories.find((t) => t.id === id)!;
    const s = make({ ...traj.full_config, ...LIMIT });
    s.setTimesteps(traj.num_inference_steps);
    if (traj.start?.mode === 'begin_index') s.setBeginIndex(traj.t_start_index);
    const steps = traj.steps.map((st) => ({ t: st.t, model: f32Array(st.model_output), prev: st.prev_sample as Figure[] | null }));
    if (traj.raised !== null) {
      const x = f32Array(traj.steps.at(-1)!.prev_sample);
      steps.push({ t: traj.raised.t, model: standInModel(x, traj.raised.t), prev: null });
    }
    let input = f32Array(traj.sample_init);
    steps.forEach((st, k) => {
      const last = k === steps.length - 1;
      const out = s.step(st.model, st.t, input);
      if (!last) {
        expect(relativeError(out.prevSample, st.prev!).worst, `${id} step ${k}`).toBeLessThanOrEqual(traj.tolerance.replay);
        input = f32Array(st.prev!);
        return;
      }
      expect(out.prevSample.every(Number.isFinite), `${id} last step`).toBe(true);
      const zero = s.sigmas.at(-1) === 0;
      if (zero && s.config.predictX0) expect(out.prevSample).toEqual(out.predOriginalSample);
      if (!zero) expect(s.sigmas.at(-1)).toBe(s.sigmas.at(-2)); // h = 0
    });
  });

  it('zero_sigma_step limit: without the corrector, the step into σ = 0 returns the x0 estimate (ε prediction too)', () => {
    for (const predictX0 of [true, false]) {
      const s = make({ predict_x0: predictX0, solver_type: 'bh1', lower_order_final: false, disable_corrector: [8], ...LIMIT });
      s.setTimesteps(10);
      let x = xT();
      for (const t of s.timesteps) {
        const out = s.step(standInModel(x, t), t, x);
        if (t === s.timesteps.at(-1)) {
          expect(relativeError(out.prevSample, Array.from(out.predOriginalSample)).worst).toBeLessThan(1e-6);
        }
        x = Float32Array.from(out.prevSample);
      }
      expect(x.every(Number.isFinite)).toBe(true);
    }
  });

  it('equal_sigma_step identity: the step between the two σ_min of Karras returns its (uncorrected) sample', () => {
    const s = make({ use_karras_sigmas: true, final_sigmas_type: 'sigma_min', solver_order: 3, lower_order_final: false, disable_corrector: [8], ...LIMIT });
    s.setTimesteps(10);
    let x = xT();
    for (const t of s.timesteps) {
      const out = s.step(standInModel(x, t), t, x);
      if (t === s.timesteps.at(-1)) expect(out.prevSample).toEqual(x);
      x = Float32Array.from(out.prevSample);
    }
  });
});
