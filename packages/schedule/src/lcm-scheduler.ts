import { DiscreteScheduler, predOriginalCoefficients } from './discrete-scheduler.js';
import { lcmCustomPlan, lcmTimestepPlan, type LCMPlan, type LCMTimestepOptions } from './lcm-timestep-plan.js';
import { dynamicThresholdInPlace } from './sample-clipping.js';
import { checkBeginIndex, checkStepArguments } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';
import { timestepIndexOf } from './timestep-plan.js';

/** σ_data of the consistency-model boundary condition (Song et al. 2023, "Consistency Models", appendix C). */
const SIGMA_DATA = 0.5;

/** c_skip and c_out of the boundary condition at one timestep (diffusers' `get_scalings_for_boundary_condition_discrete`). */
export interface BoundaryScalings {
  readonly cSkip: number;
  readonly cOut: number;
}

/**
 * Latent Consistency Models (Luo, Tan, Huang, Li & Zhao 2023), multistep sampling (Algorithm 1), step for step as
 * diffusers' `LCMScheduler`. Each step maps x_t to the consistency function's estimate of x_0,
 *   denoised = c_skip(t)·x_t + c_out(t)·x0(x_t, model output),
 * and, except at the plan's last step, noises it forward to the next planned timestep with fresh noise z:
 *   x_prev = √ᾱ_prev·denoised + √(1 − ᾱ_prev)·z.
 * The last step returns `denoised` itself and draws no noise, so a 1-step plan is deterministic.
 *
 * Timesteps come from the original (distillation) schedule of `original_inference_steps` (see lcmTimestepPlan);
 * `timestep_spacing` and `steps_offset` are accepted but never read, and `set_alpha_to_one` only matters for a
 * previous timestep below 0, which no plan produces. The step index is found from the first step's timestep
 * (or `setBeginIndex`) and then advances by one per step, as diffusers' `_init_step_index` does.
 */
export class LCMScheduler extends DiscreteScheduler {
  readonly className = 'LCMScheduler' as const;
  /** ᾱ used for a previous timestep below 0: 1 with set_alpha_to_one, else ᾱ_0. */
  readonly finalAlphaCumprod: number;
  private stepIndexValue: number | null = null;
  private beginIndexValue: number | null = null;
  private custom = false;

  private constructor(config: unknown) {
    super(config, 'LCMScheduler');
    this.finalAlphaCumprod = this.config.setAlphaToOne ? 1 : (this.alphasCumprod[0] as number);
  }

  /**
   * Builds a scheduler from a diffusers `scheduler_config.json` object as is (other classes' keys are ignored).
   * Refuses what diffusers would fail on later: an unknown prediction_type, original_inference_steps above
   * num_train_timesteps, and zero terminal SNR with epsilon prediction (x0 divides by ᾱ_999 = 0).
   */
  static fromConfig(config: unknown): LCMScheduler {
    return new LCMScheduler(config);
  }

  /**
   * Plans `steps` timesteps from the original schedule (diffusers' `set_timesteps(steps, original_inference_steps,
   * strength=…)`) and resets the step and begin indices. Throws ConfigError for a count or option the schedule
   * cannot give.
   */
  override setTimesteps(steps: number, options: LCMTimestepOptions = {}): void {
    this.applyPlan(lcmTimestepPlan(this.config, steps, options), false);
  }

  /** The plan of setTimesteps(steps) with the config's original_inference_steps (what SchedulerBase calls). */
  protected override planTimesteps(steps: number): void {
    this.applyPlan(lcmTimestepPlan(this.config, steps), false);
  }

  /**
   * Uses the given timesteps (integers in [0, N), strictly descending) instead of a planned schedule: diffusers'
   * `set_timesteps(timesteps=[…], strength=…)`. With `strength` < 1 only the last int(len·strength) are kept, but
   * numInferenceSteps stays len, so every kept step draws noise (diffusers' behaviour; the final `denoised` is clean).
   */
  setCustomTimesteps(timesteps: readonly number[], options: { readonly strength?: number } = {}): void {
    this.applyPlan(lcmCustomPlan(this.config, timesteps, options.strength), true);
  }

  private applyPlan(plan: LCMPlan, custom: boolean): void {
    this.plan = plan.timesteps;
    this.inferenceSteps = plan.numInferenceSteps;
    this.custom = custom;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
  }

  /** Whether the current plan came from `setCustomTimesteps`. */
  get customTimesteps(): boolean {
    return this.custom;
  }

  /** diffusers' `step_index`: the plan index of the next step; null until the first step. */
  get stepIndex(): number | null {
    return this.stepIndexValue;
  }

  /** diffusers' `begin_index`: the index of the first step, set by setBeginIndex; cleared by setTimesteps. */
  get beginIndex(): number | null {
    return this.beginIndexValue;
  }

  /** diffusers' `set_begin_index`: the first step is at plan index `index` (img2img by slicing the plan). */
  setBeginIndex(index: number): void {
    this.beginIndexValue = checkBeginIndex(index, this.plan.length);
  }

  /**
   * c_skip = σ_data² / ((t·s)² + σ_data²) and c_out = t·s / √((t·s)² + σ_data²) with s = timestep_scaling
   * (Luo et al. eq. 4, after Song et al.'s c_skip(0) = 1, c_out(0) = 0), in float64.
   */
  boundaryScalings(timestep: number): BoundaryScalings {
    const scaled = timestep * this.config.timestepScaling;
    const denominator = scaled * scaled + SIGMA_DATA * SIGMA_DATA;
    return { cSkip: (SIGMA_DATA * SIGMA_DATA) / denominator, cOut: scaled / Math.sqrt(denominator) };
  }

  /** diffusers draws noise at every step but the one at index numInferenceSteps − 1. */
  noiseDrawnAt(timestep: number, _options?: NoiseOptions): boolean {
    return this.stepIndexAt(timestep) !== this.inferenceStepsOrThrow() - 1;
  }

  /**
   * One multistep consistency step at t (Luo et al. Algorithm 1):
   *   x0 = (x − √(1−ᾱ_t)·ε)/√ᾱ_t | √ᾱ_t·x − √(1−ᾱ_t)·v | the model output   (then clipped or thresholded)
   *   denoised = c_skip·x + c_out·x0
   *   x_prev = √ᾱ_prev·denoised + √(1−ᾱ_prev)·z, or denoised at index numInferenceSteps − 1
   * where ᾱ_prev is at the next planned timestep (t itself after the last). `predOriginalSample` is x0, `denoised`
   * the consistency output. Coefficients in float64, then one fused loop.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const steps = this.inferenceStepsOrThrow();
    const index = this.stepIndexAt(timestep);
    const prevT = index + 1 < this.plan.length ? (this.plan[index + 1] as number) : timestep;
    const a = this.alphaCumprodAt(timestep);
    const ap = prevT >= 0 ? this.alphaCumprodAt(prevT) : this.finalAlphaCumprod;
    const drawNoise = index !== steps - 1;
    const { batchSize, out, noise } = checkStepArguments(modelOutput, sample, options, 1, drawNoise);
    const n = sample.length;
    const denoised = options.out?.denoised ?? new Float32Array(n);
    if (denoised.length !== n) throw new RangeError(`out.denoised has ${denoised.length} elements; expected ${n}`);

    const { config } = this;
    const { px, pm } = predOriginalCoefficients(config.predictionType, a);
    const { cSkip, cOut } = this.boundaryScalings(timestep);
    const kd = Math.sqrt(ap);
    const kn = Math.sqrt(1 - ap);
    this.checkCoefficients({ px, pm, kd, kn }, timestep);

    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    if (config.thresholding) {
      for (let i = 0; i < n; i++) pred[i] = px * (sample[i] as number) + pm * (modelOutput[i] as number);
      dynamicThresholdInPlace(pred, batchSize, config.dynamicThresholdingRatio, config.sampleMaxValue);
      for (let i = 0; i < n; i++) {
        const d = cOut * (pred[i] as number) + cSkip * (sample[i] as number);
        denoised[i] = d;
        prev[i] = noise === undefined ? d : kd * d + kn * (noise[i] as number);
      }
    } else {
      const hi = config.clipSample ? config.clipSampleRange : Infinity;
      const lo = -hi;
      for (let i = 0; i < n; i++) {
        const x = sample[i] as number;
        const x0 = Math.min(hi, Math.max(lo, px * x + pm * (modelOutput[i] as number))); // branch-free clamp
        const d = cOut * x0 + cSkip * x;
        pred[i] = x0;
        denoised[i] = d;
        prev[i] = noise === undefined ? d : kd * d + kn * (noise[i] as number);
      }
    }
    this.stepIndexValue = index + 1;
    return { prevSample: prev, predOriginalSample: pred, denoised };
  }

  private inferenceStepsOrThrow(): number {
    if (this.inferenceSteps === null) {
      throw new Error('LCMScheduler.step needs setTimesteps(steps) or setCustomTimesteps(timesteps) first');
    }
    return this.inferenceSteps;
  }

  /**
   * The plan index of a step at t, without committing it: the step index once stepping started (t must be the
   * planned timestep there), else the begin index, else t's index in the plan (diffusers' `index_for_timestep`).
   * A RangeError names a t off the plan, or a step past its end.
   */
  private stepIndexAt(timestep: number): number {
    const index = this.stepIndexValue ?? this.beginIndexValue ?? timestepIndexOf(this.plan, timestep);
    if (index < 0) throw new RangeError(`timestep ${timestep} is not in the planned timesteps (${this.plan.length} steps)`);
    if (index >= this.plan.length) {
      throw new RangeError(`all ${this.plan.length} planned timesteps have been stepped; call setTimesteps to start again`);
    }
    if (this.plan[index] !== timestep) {
      throw new RangeError(`step ${index + 1} of the plan is at timestep ${this.plan[index]}, not ${timestep}; call setTimesteps to start again`);
    }
    return index;
  }
}
