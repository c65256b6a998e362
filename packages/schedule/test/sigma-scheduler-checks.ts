// What the generic sampler-parity harness does not check for the σ family (Euler, Euler ancestral, Heun):
// the state before setTimesteps, the init_noise_sigma probes, the step index of every call and after the
// loop (diffusers' `observed`), img2img's add_noise against `sample_init`, the error cases that are not plain
// constructor calls, stepping past the end, and in-place output buffers.
import { describe, expect, it } from 'vitest';
import type { SigmaDiscreteScheduler } from '../src/sigma-discrete-scheduler.js';
import { num, type Figure } from './parity-fixture.js';
import { noiseDraw, relativeError, xT, type SamplerReference } from './sampler-parity.js';

const f32Array = (values: readonly Figure[]): Float32Array => Float32Array.from(values, num);

/** A first pipeline step at timesteps[0] from x_T·init_noise_sigma, with noise when the step draws it. */
function firstPipelineStep(s: SigmaDiscreteScheduler, steps: number): void {
  s.setTimesteps(steps);
  const t = s.timesteps[0]!;
  const x = xT().map((v) => v * s.initNoiseSigma);
  const input = s.scaleModelInput(x, t);
  s.step(input, t, x, s.noiseDrawnAt(t) ? { noise: noiseDraw(0) } : {});
}

/** The step count in an action such as "set_timesteps(num_inference_steps=25)" or "set_timesteps(10); …". */
function stepsOf(action: string): number {
  const m = /set_timesteps\((?:num_inference_steps=)?(\d+)/.exec(action);
  if (m === null) throw new Error(`no step count in ${action}`);
  return Number(m[1]);
}

export interface SigmaChecksOptions {
  /** Error ids this port cannot express (with why), e.g. diffusers' int-typed timesteps. */
  readonly notApplicable?: Readonly<Record<string, string>>;
}

export function describeSigmaSchedulerChecks(
  ref: SamplerReference,
  make: (config: Record<string, unknown>) => SigmaDiscreteScheduler,
  options: SigmaChecksOptions = {},
): void {
  describe(`${ref.scheduler}: state, index bookkeeping, img2img, errors`, () => {
    it('state before setTimesteps', () => {
      const s = make({});
      const d = ref.defaults as Record<string, any>;
      expect(s.initNoiseSigma).toBe(d.init_noise_sigma_before_set_timesteps);
      expect(s.numInferenceSteps).toBe(d.num_inference_steps_before_set_timesteps);
      const ts = d.timesteps_before_set_timesteps;
      expect(s.timesteps.length).toBe(ts.len);
      expect(Array.from(s.timesteps.subarray(0, 3))).toEqual(ts.head);
      expect(Array.from(s.timesteps.subarray(-3))).toEqual(ts.tail);
      const sig = d.sigmas_before_set_timesteps;
      expect(s.sigmas.length).toBe(sig.len);
      expect(Array.from(s.sigmas.subarray(0, 3))).toEqual(sig.head);
      expect(Array.from(s.sigmas.subarray(-3))).toEqual(sig.tail);
      expect(s.stepIndex).toBeNull();
      expect(s.beginIndex).toBeNull();
    });

    for (const p of ref.probes) {
      if (p.kind !== 'init_noise_sigma') continue;
      const config = p.full_config as Record<string, unknown>;
      it(`init_noise_sigma probe (${String(config.timestep_spacing)})`, () => {
        const s = make(config);
        expect(s.initNoiseSigma).toBe(p.before_set_timesteps);
        s.setTimesteps(p.num_inference_steps as number);
        expect(s.initNoiseSigma).toBe(p.after_set_timesteps);
        expect(Math.max(...s.sigmas)).toBe(p.max_sigma);
      });
    }

    describe('step index of every call and after the loop (replayed)', () => {
      for (const traj of ref.trajectories) {
        it(traj.id, () => {
          const s = make(traj.full_config);
          s.setTimesteps(traj.num_inference_steps);
          if (traj.start?.mode === 'begin_index') s.setBeginIndex(traj.t_start_index);
          let input = f32Array(traj.sample_init);
          for (const step of traj.steps) {
            const t = s.timesteps[traj.t_start_index + step.k]!;
            s.scaleModelInput(input, t);
            expect(s.stepIndex, `${traj.id} step ${step.k}`).toBe(step.observed.step_index);
            const stage = step.observed.heun_stage;
            if (stage !== undefined) expect((s as any).stateInFirstOrder, `${traj.id} step ${step.k} stage`).toBe(stage === 1);
            const noise = step.noise?.[0];
            s.step(f32Array(step.model_output), t, input, noise ? { noise: f32Array(noise) } : {});
            input = f32Array(step.prev_sample);
          }
          expect(s.stepIndex).toBe(traj.state_after_loop.step_index);
          const first = traj.state_after_loop.state_in_first_order;
          if (first !== undefined) expect((s as any).stateInFirstOrder).toBe(first);
        });
      }
    });

    describe('img2img: addNoise gives sample_init', () => {
      for (const traj of ref.trajectories) {
        if (traj.start === null) continue;
        it(`${traj.id} (${traj.start.mode})`, () => {
          const s = make(traj.full_config);
          s.setTimesteps(traj.num_inference_steps);
          if (traj.start!.mode === 'begin_index') s.setBeginIndex(traj.t_start_index);
          const xImg = Float32Array.from({ length: 48 }, (_, i) => 0.8 * Math.cos(0.53 * i + 0.7));
          const noisy = s.addNoise(xImg, xT(), s.timesteps[traj.t_start_index]!);
          const { worst, nonFiniteMismatch } = relativeError(noisy, traj.sample_init);
          expect(nonFiniteMismatch).toBeNull();
          expect(worst).toBeLessThanOrEqual(traj.tolerance.replay);
        });
      }
    });

    describe('configurations diffusers rejects (beyond the constructor)', () => {
      for (const e of ref.errors) {
        const why = options.notApplicable?.[e.id];
        if (why !== undefined) continue; // options.notApplicable gives the reason
        if (e.action === 'constructor') continue; // the harness runs these
        it(`${e.id}: ${e.description}`, () => {
          if (e.rule === 'timestep_not_in_schedule') {
            const t = Number(/t=([0-9.]+)/.exec(e.action)![1]);
            const s = make(e.config);
            s.setTimesteps(stepsOf(e.action));
            expect(() => s.scaleModelInput(xT(), t)).toThrow(RangeError);
            expect(() => s.scaleModelInput(xT(), t)).toThrow(String(t));
            expect(() => s.step(xT(), t, xT(), { noise: noiseDraw(0) })).toThrow(String(t));
            return;
          }
          if (e.rule === 'set_timesteps_arguments') {
            // denoise's setTimesteps takes a step count only; without one it is refused.
            const s = make(e.config);
            expect(() => s.setTimesteps(undefined as unknown as number)).toThrow();
            return;
          }
          expect(() => firstPipelineStep(make(e.config), stepsOf(e.action))).toThrow();
        });
      }
    });

    it('after the last planned call, another step is refused; setTimesteps starts again', () => {
      const s = make({});
      s.setTimesteps(3);
      let x: Float32Array = xT().map((v) => v * s.initNoiseSigma);
      for (const t of s.timesteps) {
        const input = s.scaleModelInput(x, t);
        x = s.step(input, t, x, s.noiseDrawnAt(t) ? { noise: noiseDraw(0) } : {}).prevSample;
      }
      const t = s.timesteps[s.timesteps.length - 1]!;
      expect(() => s.step(x, t, x, { noise: noiseDraw(0) })).toThrow(RangeError);
      s.setTimesteps(3);
      expect(s.stepIndex).toBeNull();
      expect(() => s.scaleModelInput(x, s.timesteps[0]!)).not.toThrow();
    });

    it('prevSample may be the sample buffer itself; predOriginalSample is the x0 estimate', () => {
      const run = (inPlace: boolean): { prev: Float32Array[]; pred: Float32Array[] } => {
        const s = make({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 });
        s.setTimesteps(4);
        const x = xT().map((v) => v * s.initNoiseSigma);
        const prev: Float32Array[] = [];
        const pred: Float32Array[] = [];
        const eps = new Float32Array(48);
        let k = 0;
        for (const t of s.timesteps) {
          const input = s.scaleModelInput(x, t);
          for (let i = 0; i < 48; i++) eps[i] = Math.tanh(0.5 * input[i]!) * (t / 1000);
          const noise = s.noiseDrawnAt(t) ? noiseDraw(k++) : undefined;
          const out = inPlace ? { prevSample: x, predOriginalSample: new Float32Array(48) } : undefined;
          const r = s.step(eps, t, x, { ...(noise ? { noise } : {}), ...(out ? { out } : {}) });
          if (!inPlace) x.set(r.prevSample);
          prev.push(Float32Array.from(x));
          pred.push(Float32Array.from(r.predOriginalSample));
        }
        return { prev, pred };
      };
      const a = run(false);
      const b = run(true);
      expect(b.prev).toEqual(a.prev);
      expect(b.pred).toEqual(a.pred);
    });
  });
}
