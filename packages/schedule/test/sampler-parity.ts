// The one harness for the fast samplers' parity tests against diffusers (fixtures/parity/diffusers-samplers,
// schema and tolerances in its README). Each scheduler's test file calls `describeSamplerParity` with a
// factory; the harness checks defaults, set_timesteps tables, constructor errors, every trajectory replayed
// (teacher-forced) and free-running with the closed-form stand-in model, and prints the worst error.
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, type EulerChurn, type Scheduler, type StepOptions } from '../src/index.js';
import { loadParity, num, type Figure } from './parity-fixture.js';

const f32 = Math.fround;

export interface TrajectoryStep {
  readonly k: number;
  readonly t: number;
  readonly input_divisor: number;
  readonly model_input: Figure[];
  readonly model_output: Figure[];
  readonly noise?: Figure[][];
  readonly prev_sample: Figure[];
  readonly pred_original_sample?: Figure[];
  /** LCM: the step's `denoised` output. */
  readonly denoised?: Figure[];
  readonly observed: Record<string, unknown>;
}

/** How a case plans: diffusers' `set_timesteps(num_inference_steps, **set_timesteps_kwargs)` (LCM adds the kwargs). */
export interface PlanCall {
  /** null with LCM's custom timesteps. */
  readonly num_inference_steps: number | null;
  readonly set_timesteps_kwargs?: Record<string, unknown>;
  readonly start?: Trajectory<StepCount>['start'];
}

/** `num_inference_steps` of a case: a number, or null where LCM is given custom timesteps (`Steps = number | null`). */
export type StepCount = number | null;

export interface Trajectory<Steps extends StepCount = number> {
  readonly id: string;
  readonly group: string;
  readonly config: Record<string, unknown>;
  readonly full_config: Record<string, unknown>;
  readonly num_inference_steps: Steps;
  readonly set_timesteps_kwargs?: Record<string, unknown>;
  /** lcm_img2img: `strength` goes to set_timesteps, no begin index, the loop runs over every timestep. */
  readonly start: null | { readonly mode: 'begin_index' | 'lookup' | 'lcm_img2img'; readonly strength: number };
  readonly step_kwargs: { s_churn?: number; s_tmin?: number; s_tmax?: number; s_noise?: number };
  readonly timesteps: Figure[];
  readonly timesteps_dtype: 'int64' | 'float32';
  readonly sigmas: Figure[] | null;
  readonly init_noise_sigma: number;
  readonly t_start_index: number;
  readonly sample_init: Figure[];
  readonly num_step_calls: number;
  readonly noise_draws: number;
  readonly steps: TrajectoryStep[];
  readonly state_after_loop: Record<string, unknown>;
  readonly has_nonfinite: boolean;
  readonly raised: null | { at_step: number; t: number; in: string; error: string; error_type: string };
  readonly tolerance: { readonly replay: number; readonly free_running: number | null };
}

export interface SetTimestepsCase<Steps extends StepCount = number> {
  readonly id: string;
  readonly config: Record<string, unknown>;
  readonly full_config: Record<string, unknown>;
  readonly num_inference_steps: Steps;
  readonly set_timesteps_kwargs?: Record<string, unknown>;
  readonly timesteps?: Figure[];
  readonly timesteps_dtype?: 'int64' | 'float32';
  readonly sigmas?: Figure[] | null;
  readonly init_noise_sigma?: number;
  readonly error?: string;
  readonly error_type?: string;
}

export interface ErrorCase {
  readonly id: string;
  readonly rule: string;
  readonly description: string;
  readonly config: Record<string, unknown>;
  readonly action: string;
  readonly error: string;
  readonly error_type: string;
}

export interface SamplerReference<Steps extends StepCount = number> {
  readonly scheduler: string;
  readonly defaults: { readonly init_signature_defaults: Record<string, unknown>; readonly order: number } & Record<string, unknown>;
  readonly trajectories: Trajectory<Steps>[];
  readonly set_timesteps: SetTimestepsCase<Steps>[];
  readonly errors: ErrorCase[];
  readonly probes: (Record<string, unknown> & { kind: string })[];
}

export function loadSamplerReference<Steps extends StepCount = number>(file: string): SamplerReference<Steps> {
  return loadParity<SamplerReference<Steps>>(`diffusers-samplers/${file}`);
}

/** A scheduler that can also start part-way (img2img), as diffusers' `set_begin_index`. */
type ParityScheduler = Scheduler & { setBeginIndex?(index: number): void; readonly sigmas?: ArrayLike<number> };

/**
 * The worst |a − e| / (1 + |e|) over the arrays, or a description of the first element outside `tol`
 * (NaN and ±Infinity must match exactly).
 */
export function relativeError(actual: ArrayLike<number>, expected: readonly Figure[]): { worst: number; nonFiniteMismatch: string | null } {
  if (actual.length !== expected.length) return { worst: Infinity, nonFiniteMismatch: `length ${actual.length} ≠ ${expected.length}` };
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = num(expected[i]!);
    const a = actual[i]!;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) {
        return { worst: Infinity, nonFiniteMismatch: `element ${i}: got ${a}, expected ${e}` };
      }
      continue;
    }
    worst = Math.max(worst, Math.abs(a - e) / (1 + Math.abs(e)));
  }
  return { worst, nonFiniteMismatch: null };
}

function expectWithin(what: string, actual: ArrayLike<number>, expected: readonly Figure[], tol: number): number {
  const { worst, nonFiniteMismatch } = relativeError(actual, expected);
  if (nonFiniteMismatch !== null) expect.fail(`${what}: ${nonFiniteMismatch}`);
  if (!(worst <= tol)) expect.fail(`${what}: worst |Δ|/(1+|e|) = ${worst.toExponential(2)} > ${tol}`);
  return worst;
}

const f32Array = (values: readonly Figure[]): Float32Array => Float32Array.from(values, num);

/** The reference inputs: x_T[i] = 1.5 sin(0.91 i + 0.3) and draw k of the noise, in float32. */
export const xT = (): Float32Array => Float32Array.from({ length: 48 }, (_, i) => 1.5 * Math.sin(0.91 * i + 0.3));
export const noiseDraw = (k: number): Float32Array =>
  Float32Array.from({ length: 48 }, (_, i) => 1.2 * Math.sin(0.73 * i + 1.31 * k + 0.2));

/** The stand-in model eps(x, t) = tanh(0.5x)·c + 0.05·sin(x), c = f32(t/1000), each operation in float32. */
export function standInModel(x: Float32Array, t: number): Float32Array {
  const c = f32(t / 1000);
  const k = f32(0.05);
  return x.map((v) => f32(f32(Math.tanh(f32(0.5 * v)) * c) + f32(k * f32(Math.sin(v)))));
}

function churnOf(kwargs: Trajectory<StepCount>['step_kwargs']): EulerChurn | undefined {
  if (kwargs.s_churn === undefined) return undefined;
  return {
    sChurn: kwargs.s_churn,
    ...(kwargs.s_tmin !== undefined ? { sTmin: kwargs.s_tmin } : {}),
    ...(kwargs.s_tmax !== undefined ? { sTmax: kwargs.s_tmax } : {}),
    ...(kwargs.s_noise !== undefined ? { sNoise: kwargs.s_noise } : {}),
  };
}

/** `set_timesteps(S)`: the plan of every scheduler but LCM. */
function setTimestepsOf(s: Scheduler, c: PlanCall): void {
  if (c.num_inference_steps === null || Object.keys(c.set_timesteps_kwargs ?? {}).length > 0) {
    expect.fail(`${s.className}: set_timesteps(${c.num_inference_steps}, ${JSON.stringify(c.set_timesteps_kwargs)}) needs a plan option`);
  }
  s.setTimesteps(c.num_inference_steps);
}

function planned(make: (config: Record<string, unknown>) => Scheduler, traj: Trajectory<StepCount>, options: ParityOptions): ParityScheduler {
  const s = make(traj.full_config) as ParityScheduler;
  (options.plan ?? setTimestepsOf)(s, traj);
  if (traj.start?.mode === 'begin_index') {
    if (s.setBeginIndex === undefined) expect.fail(`${s.className} has no setBeginIndex for img2img`);
    s.setBeginIndex(traj.t_start_index);
  }
  return s;
}

export interface ParityOptions {
  /** Trajectory ids this port deliberately does not reproduce, with the reason (tested elsewhere). */
  readonly skip?: Readonly<Record<string, string>>;
  /** Error-case ids whose action is not a constructor call, handled by the scheduler's own tests. */
  readonly errorsTestedElsewhere?: Readonly<Record<string, string>>;
  /** set_timesteps case ids that diffusers plans and this port refuses with a ConfigError, with the reason. */
  readonly refusedPlans?: Readonly<Record<string, string>>;
  /** Plans a case (default: `setTimesteps(num_inference_steps)`, failing on set_timesteps keyword arguments). */
  readonly plan?: (scheduler: Scheduler, call: PlanCall) => void;
}

/**
 * All parity tests of one reference file. `make` builds the scheduler from a diffusers config object.
 * Replay tolerances are the reference's per-case `tolerance.replay`; free running uses
 * `tolerance.free_running` and is skipped where the reference marks the case ill-conditioned (null).
 */
export function describeSamplerParity(
  ref: SamplerReference<StepCount>,
  make: (config: Record<string, unknown>) => Scheduler,
  options: ParityOptions = {},
): void {
  const worst = { replay: 0, freeRunning: 0, timesteps: 0, sigmas: 0 };
  describe(`${ref.scheduler} matches diffusers`, () => {
    afterAll(() => {
      console.info(
        `${ref.scheduler} worst |Δ|/(1+|e|): replay ${worst.replay.toExponential(2)}, free running ${worst.freeRunning.toExponential(2)}; ` +
          `float timesteps |Δ| ${worst.timesteps.toExponential(2)}; sigmas |Δ|/|e| ${worst.sigmas.toExponential(2)}`,
      );
    });

    it('the exclusion lists name cases of the file', () => {
      const ids = (cases: readonly { id: string }[]) => new Set(cases.map((c) => c.id));
      const lists: [Readonly<Record<string, string>> | undefined, Set<string>][] = [
        [options.skip, ids(ref.trajectories)],
        [options.errorsTestedElsewhere, ids(ref.errors)],
        [options.refusedPlans, ids(ref.set_timesteps)],
      ];
      for (const [list, known] of lists) for (const id of Object.keys(list ?? {})) expect(known.has(id), id).toBe(true);
    });

    // That toConfig() of the defaults is the __init__ signature is checked for every class in config-defaults.test.ts.
    it("diffusers' order, and the default config round-trips", () => {
      const s = make({});
      expect(s.toConfig()['_class_name']).toBe(ref.scheduler);
      expect(s.order).toBe(ref.defaults.order);
      expect(make(s.toConfig()).config).toEqual(s.config);
    });

    describe('set_timesteps', () => {
      for (const c of ref.set_timesteps) {
        const plan = options.plan ?? setTimestepsOf;
        const refused = options.refusedPlans?.[c.id];
        if (refused !== undefined) {
          it(`${c.id}: refused (${refused})`, () => {
            expect(() => plan(make(c.full_config), c)).toThrow(ConfigError);
          });
          continue;
        }
        it(c.id, () => {
          if (c.error !== undefined) {
            expect(() => plan(make(c.full_config ?? c.config), c)).toThrow();
            return;
          }
          const s = make(c.full_config) as ParityScheduler;
          plan(s, c);
          checkSchedule(s, c.timesteps!, c.timesteps_dtype!, c.sigmas ?? null, c.init_noise_sigma!, worst);
        });
      }
    });

    describe('configurations diffusers rejects', () => {
      for (const e of ref.errors) {
        const elsewhere = options.errorsTestedElsewhere?.[e.id];
        // Checked where the reason in errorsTestedElsewhere says, or (not a constructor call) by the scheduler's own tests.
        if (elsewhere !== undefined || e.action !== 'constructor') continue;
        it(`${e.id}: ${e.description}`, () => {
          expect(() => make(e.config)).toThrow();
        });
      }
    });

    describe('trajectories, replayed step by step', () => {
      for (const traj of ref.trajectories) {
        const reason = options.skip?.[traj.id];
        if (reason !== undefined) continue; // options.skip says where it is checked instead
        it(`${traj.id} (tol ${traj.tolerance.replay})`, () => {
          const s = planned(make, traj, options);
          checkSchedule(s, traj.timesteps, traj.timesteps_dtype, traj.sigmas, traj.init_noise_sigma, worst);
          const churn = churnOf(traj.step_kwargs);
          const tol = traj.tolerance.replay;
          let input = f32Array(traj.sample_init);
          for (const step of traj.steps) {
            const at = `${traj.id} step ${step.k} (t=${step.t})`;
            // The scheduler's own entry at this position (float32 timesteps may be an ulp off diffusers', and
            // the Euler family looks t up exactly).
            const t = scheduleTimestepAt(s, traj, step.k, at);
            const modelInput = s.scaleModelInput(input, t);
            worst.replay = Math.max(worst.replay, expectWithin(`${at} model_input`, modelInput, step.model_input, tol));
            const noise = step.noise?.[0];
            expect(s.noiseDrawnAt(t, churn ? { churn } : {}), `${at}: noiseDrawnAt`).toBe(noise !== undefined);
            const stepOptions: StepOptions = { ...(noise ? { noise: f32Array(noise) } : {}), ...(churn ? { churn } : {}) };
            const out = s.step(f32Array(step.model_output), t, input, stepOptions);
            worst.replay = Math.max(worst.replay, expectWithin(`${at} prev_sample`, out.prevSample, step.prev_sample, tol));
            if (step.pred_original_sample) {
              const e = expectWithin(`${at} pred_original_sample`, out.predOriginalSample, step.pred_original_sample, tol);
              worst.replay = Math.max(worst.replay, e);
            }
            if (step.denoised) {
              if (out.denoised === undefined) expect.fail(`${at}: ${s.className}.step returned no denoised`);
              worst.replay = Math.max(worst.replay, expectWithin(`${at} denoised`, out.denoised, step.denoised, tol));
            }
            input = f32Array(step.prev_sample);
          }
        });
      }
    });

    describe('trajectories, free running with the stand-in model', () => {
      for (const traj of ref.trajectories) {
        const tol = traj.tolerance.free_running;
        if (options.skip?.[traj.id] !== undefined || tol === null || traj.raised !== null || traj.has_nonfinite) continue;
        it(`${traj.id} (tol ${tol})`, () => {
          const s = planned(make, traj, options);
          const churn = churnOf(traj.step_kwargs);
          // The first sample is the reference's (img2img's add_noise is checked by the scheduler's own tests).
          let x =
            traj.start === null ? xT().map((v) => f32(v * s.initNoiseSigma)) : f32Array(traj.sample_init);
          expectWithin(`${traj.id} sample_init`, x, traj.sample_init, tol);
          let draws = 0;
          for (let k = 0; k < traj.steps.length; k++) {
            const step = traj.steps[k]!;
            const t = scheduleTimestepAt(s, traj, k, `${traj.id} step ${k}`);
            const eps = standInModel(s.scaleModelInput(x, t), t);
            const noise = s.noiseDrawnAt(t, churn ? { churn } : {}) ? noiseDraw(draws++) : undefined;
            const out = s.step(eps, t, x, { ...(noise ? { noise } : {}), ...(churn ? { churn } : {}) });
            x = Float32Array.from(out.prevSample);
            worst.freeRunning = Math.max(worst.freeRunning, expectWithin(`${traj.id} step ${k} prev_sample`, x, step.prev_sample, tol));
            if (step.denoised && out.denoised) {
              const e = expectWithin(`${traj.id} step ${k} denoised`, out.denoised, step.denoised, tol);
              worst.freeRunning = Math.max(worst.freeRunning, e);
            }
          }
          expect(draws).toBe(traj.noise_draws);
        });
      }
    });
  });
}

/** `timesteps[t_start_index + k]`, checked against the reference's t: exact for int64, |Δ| ≤ 2e-4 for float32. */
function scheduleTimestepAt(s: Scheduler, traj: Trajectory<StepCount>, k: number, at: string): number {
  const t = s.timesteps[traj.t_start_index + k]!;
  const expected = traj.steps[k]!.t;
  if (traj.timesteps_dtype === 'int64') expect(t, `${at}: timestep`).toBe(expected);
  else if (!(Math.abs(t - expected) <= 2e-4)) expect.fail(`${at}: timestep ${t}, expected ${expected}`);
  return t;
}

function checkSchedule(
  s: ParityScheduler,
  timesteps: readonly Figure[],
  dtype: 'int64' | 'float32',
  sigmas: readonly Figure[] | null,
  initNoiseSigma: number,
  worst: { timesteps: number; sigmas: number },
): void {
  const actual = Array.from(s.timesteps);
  if (dtype === 'int64') {
    expect(actual).toEqual(timesteps.map(num));
  } else {
    expect(actual.length).toBe(timesteps.length);
    for (let i = 0; i < actual.length; i++) {
      const d = Math.abs(actual[i]! - num(timesteps[i]!));
      worst.timesteps = Math.max(worst.timesteps, d);
      if (!(d <= 2e-4)) expect.fail(`timesteps[${i}]: got ${actual[i]}, expected ${num(timesteps[i]!)}`);
    }
  }
  const sigmaRel = (a: number, e: number): number => (a === e ? 0 : Math.abs(a - e) / Math.abs(e));
  if (sigmas !== null) {
    if (s.sigmas === undefined) expect.fail(`${s.className} has no sigmas`);
    const got = Array.from(s.sigmas);
    expect(got.length).toBe(sigmas.length);
    for (let i = 0; i < got.length; i++) {
      const r = sigmaRel(got[i]!, num(sigmas[i]!));
      worst.sigmas = Math.max(worst.sigmas, r);
      if (!(r <= 2e-6)) expect.fail(`sigmas[${i}]: got ${got[i]}, expected ${num(sigmas[i]!)}`);
    }
  }
  const r = sigmaRel(s.initNoiseSigma, initNoiseSigma);
  worst.sigmas = Math.max(worst.sigmas, r);
  if (!(r <= 2e-6)) expect.fail(`init_noise_sigma: got ${s.initNoiseSigma}, expected ${initNoiseSigma}`);
}
