import { SigmaDiscreteScheduler, sigmaPredCoefficients } from './sigma-discrete-scheduler.js';
import { checkStepArguments } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';

/**
 * Heun's second-order method on the probability-flow ODE dx/dσ = (x − x0)/σ (Karras et al. 2022, "Elucidating
 * the Design Space of Diffusion-Based Generative Models", Algorithm 1), step for step as diffusers'
 * `HeunDiscreteScheduler`. Every inference step but the last takes two model calls, so the schedule interleaves:
 * timesteps [t0, t1, t1, …, t_{S−1}, t_{S−1}] (2S−1 calls), sigmas [σ0, σ1, σ1, …, σ_{S−1}, σ_{S−1}, 0] (2S).
 * Stage 1 is an Euler step from σ to σ_next that keeps its derivative d, its dt and its starting sample;
 * stage 2 evaluates the derivative d' at σ_next on that Euler estimate and returns
 * x_start + dt·(d + d')/2. The last call (to σ = 0) is a plain Euler step (Algorithm 1, line 8).
 */
export class HeunDiscreteScheduler extends SigmaDiscreteScheduler {
  readonly className = 'HeunDiscreteScheduler' as const;
  readonly order = 2;
  /** Stage 1's derivative and starting sample, kept for stage 2 (copies; reused across steps). */
  private derivative = new Float32Array(0);
  private savedSample = new Float32Array(0);
  /** Stage 1's σ_next − σ, or null when the next call is a stage 1 (diffusers' `dt is None`). */
  private savedDt: number | null = null;

  private constructor(config: unknown) {
    super(config, 'HeunDiscreteScheduler');
    // diffusers' constructor plans the full N steps, so a bad spacing is refused here; unchecked, since with
    // leading spacing and steps_offset 1 (Stable Diffusion's configs) the full plan ends at N, which diffusers
    // accepts and no setTimesteps(S < N) plans.
    this.planTimesteps(this.config.numTrainTimesteps);
  }

  /** Builds a scheduler from a diffusers `scheduler_config.json` object as is (other classes' keys are ignored). */
  static fromConfig(config: unknown): HeunDiscreteScheduler {
    return new HeunDiscreteScheduler(config);
  }

  /** diffusers' `state_in_first_order`: whether the next call is a stage 1 (Euler) step. */
  get stateInFirstOrder(): boolean {
    return this.savedDt === null;
  }

  protected override planTimesteps(steps: number): void {
    super.planTimesteps(steps);
    this.savedDt = null;
  }

  /** Interleaves the schedule: every timestep after the first twice, every σ between the first and last twice. */
  protected override applySchedule(timesteps: Float32Array, sigmas: Float32Array): void {
    const s = timesteps.length;
    const t = new Float32Array(2 * s - 1);
    t[0] = timesteps[0]!;
    for (let i = 1; i < s; i++) t[2 * i - 1] = t[2 * i] = timesteps[i]!;
    const m = sigmas.length;
    const sig = new Float32Array(2 * m - 2);
    sig[0] = sigmas[0]!;
    for (let i = 1; i < m - 1; i++) sig[2 * i - 1] = sig[2 * i] = sigmas[i]!;
    sig[2 * m - 3] = sigmas[m - 1]!;
    super.applySchedule(t, sig);
  }

  /** Heun is deterministic: no call draws noise. */
  noiseDrawnAt(timestep: number, _options?: NoiseOptions): boolean {
    this.peekStepIndex(timestep);
    return false;
  }

  /**
   * One of the two stages (diffusers keeps the stage in `dt`, not in the index). With x0 = px·x + pm·m
   * (ε: x − σ·ε; v: x/(σ²+1) − σ/√(σ²+1)·v; sample: m), clamped to ±clip_sample_range when clip_sample:
   *   stage 1 at σ → σ_next:  d = (x − x0)/σ,  x_next = x + (σ_next − σ)·d;  d, dt and x are kept
   *   stage 2 at σ_next:      d' = (x − x0)/σ_next,  x_next = x_kept + dt·(d + d')/2  (x itself only enters d')
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const index = this.currentStepIndex(timestep);
    const { out } = checkStepArguments(modelOutput, sample, options, 1, false, false);
    const firstOrder = this.savedDt === null;
    // Stage 1 starts from σ = sigmas[index]; stage 2 evaluates the model at its σ_next, which the interleaved
    // schedule also holds at sigmas[index].
    const sigma = this.plannedSigmas[index]!;
    const { px, pm } = sigmaPredCoefficients(this.config.predictionType, sigma);
    const clip = this.config.clipSample;
    const hi = clip ? this.config.clipSampleRange : Infinity;
    const lo = -hi;
    // d = (x − x0)/σ = dx·x + dm·m when x0 is not clamped.
    const dx = (1 - px) / sigma;
    const dm = -pm / sigma;
    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    const n = sample.length;
    if (firstOrder) {
      const dt = this.plannedSigmas[index + 1]! - sigma;
      if (this.derivative.length !== n) {
        this.derivative = new Float32Array(n);
        this.savedSample = new Float32Array(n);
      }
      const deriv = this.derivative;
      this.savedSample.set(sample); // before the loop: prevSample may be sample itself
      if (clip) {
        for (let i = 0; i < n; i++) {
          const x = sample[i]!;
          const x0 = Math.min(hi, Math.max(lo, px * x + pm * modelOutput[i]!));
          const d = (x - x0) / sigma;
          pred[i] = x0;
          deriv[i] = d;
          prev[i] = x + dt * d;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const x = sample[i]!;
          const m = modelOutput[i]!;
          const d = dx * x + dm * m;
          pred[i] = px * x + pm * m;
          deriv[i] = d;
          prev[i] = x + dt * d;
        }
      }
      this.savedDt = dt;
    } else {
      const half = this.savedDt! / 2;
      if (this.derivative.length !== n) {
        throw new RangeError(`sample has ${n} elements; the first stage of this step had ${this.derivative.length}`);
      }
      const deriv = this.derivative;
      const saved = this.savedSample;
      if (clip) {
        for (let i = 0; i < n; i++) {
          const x = sample[i]!;
          const x0 = Math.min(hi, Math.max(lo, px * x + pm * modelOutput[i]!));
          pred[i] = x0;
          prev[i] = saved[i]! + half * (deriv[i]! + (x - x0) / sigma);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const x = sample[i]!;
          const m = modelOutput[i]!;
          pred[i] = px * x + pm * m;
          prev[i] = saved[i]! + half * (deriv[i]! + dx * x + dm * m);
        }
      }
      this.savedDt = null;
    }
    this.stepIndexValue = index + 1;
    return out;
  }
}
