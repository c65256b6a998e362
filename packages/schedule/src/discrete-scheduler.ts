import { ConfigError } from './config-error.js';
import { addNoiseWith, velocityWith } from './forward-process.js';
import { SchedulerBase } from './scheduler-base.js';
import type { SchedulerConfig } from './scheduler-config.js';
import { parseSchedulerConfig, type SchedulerClassName } from './scheduler-config-registry.js';
import type { Scheduler } from './scheduler.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';
import { timestepPlan } from './timestep-plan.js';

/**
 * What DDIM and DDPM share: the config, β and ᾱ over the N training timesteps, the inference plan,
 * and the forward process. Each subclass implements one `step` (checking its arguments with checkStepArguments).
 */
export abstract class DiscreteScheduler extends SchedulerBase implements Scheduler {
  readonly order = 1;
  /** x_T is unit-variance for DDPM and DDIM. */
  readonly initNoiseSigma = 1;
  protected plan: Int32Array;

  protected constructor(config: unknown, className: SchedulerClassName) {
    super(parseSchedulerConfig(config, { scheduler: className }), 'exact');
    // Before setTimesteps, diffusers' timesteps are N−1 … 0.
    const n = this.config.numTrainTimesteps;
    this.plan = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  /** The inference timesteps, descending (N−1 … 0 until `setTimesteps` is called). Do not modify. */
  get timesteps(): Int32Array {
    return this.plan;
  }

  /** Plans `steps` inference timesteps by the config's spacing. Throws ConfigError unless 1 ≤ steps ≤ N. */
  protected planTimesteps(steps: number): void {
    this.plan = timestepPlan(this.config, steps);
    this.inferenceSteps = steps;
  }

  /** DDPM and DDIM take the sample unscaled: `sample` itself. */
  scaleModelInput(sample: Float32Array, _timestep: number, _out?: Float32Array): Float32Array {
    return sample;
  }

  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options?: StepOptions): StepOutput;

  /** Whether diffusers' pipeline draws variance noise from its generator for this step. */
  abstract noiseDrawnAt(timestep: number, options?: NoiseOptions): boolean;

  /** x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε (Ho et al. eq. 4); one timestep, or one per batch item. */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number | Int32Array): Float32Array {
    return addNoiseWith(this.alphasCumprod, original, noise, timestep);
  }

  /** v = √ᾱ_t·ε − √(1−ᾱ_t)·x0 (Salimans & Ho 2022); one timestep, or one per batch item. */
  getVelocity(sample: Float32Array, noise: Float32Array, timestep: number | Int32Array): Float32Array {
    return velocityWith(this.alphasCumprod, sample, noise, timestep);
  }

  /** ᾱ_t, or a RangeError naming the timestep when t is not an integer in [0, N). */
  protected alphaCumprodAt(t: number): number {
    const a = Number.isInteger(t) && t >= 0 ? this.alphasCumprod[t] : undefined;
    if (a === undefined) {
      throw new RangeError(`timestep must be an integer in [0, ${this.config.numTrainTimesteps - 1}], got ${t}`);
    }
    return a;
  }

  /**
   * Throws a RangeError when a step coefficient is not finite, so no NaN or ∞ escapes silently. The message
   * says why in the config's terms: ᾱ_t reached 0 (a β of 1, or the product of 1 − β underflowing float32)
   * or stayed 1 (β = 0 up to t), so the step divides by √ᾱ_t or by 1 − ᾱ_t.
   */
  protected checkCoefficients(coefficients: Readonly<Record<string, number>>, timestep: number): void {
    for (const v of Object.values(coefficients)) {
      if (!Number.isFinite(v)) throw new RangeError(`cannot step at timestep ${timestep}: ${this.whyNotFinite(timestep)}`);
    }
  }

  private whyNotFinite(t: number): string {
    const a = this.alphasCumprod[t]!;
    const name = `ᾱ_${t} (alphas_cumprod[${t}])`;
    const { config } = this;
    const trained = config.trainedBetas !== null;
    const source = trained
      ? 'trained_betas'
      : `beta_schedule '${config.betaSchedule}', beta_start ${config.betaStart}, beta_end ${config.betaEnd}`;
    if (a === 0) {
      const one = this.betas.subarray(0, t + 1).findIndex((b) => b >= 1);
      const cause =
        one >= 0
          ? `β_${one} is 1 (${source})`
          : `the product of (1 − β) underflows float32 from timestep ${this.alphasCumprod.indexOf(0)} on ` +
            `(${source}, num_train_timesteps ${config.numTrainTimesteps})`;
      const fix = trained ? 'trained_betas well below 1' : 'a smaller beta_end (or fewer num_train_timesteps)';
      return `${name} is 0, so the step divides by zero: ${cause}; use ${fix}`;
    }
    if (a === 1) {
      const zeros = t === 0 ? 'β_0 is 0' : `β_0 … β_${t} are all 0`;
      const fix = trained ? 'trained_betas above 0' : 'a beta_start above 0';
      return `${name} is 1 (no noise), so 1 − ᾱ_${t} = 0 and the step divides by zero: ${zeros} (${source}); use ${fix}`;
    }
    return `the step's coefficients are not finite with ${name} = ${a} (${source})`;
  }

  /** Index of t in the plan, or a RangeError. */
  protected planIndexOf(t: number): number {
    const index = this.plan.indexOf(t);
    if (index < 0) throw new RangeError(`timestep ${t} is not in the planned timesteps (${this.plan.length} steps)`);
    return index;
  }
}

/** Rejects a negative, non-finite or non-number η. */
export function checkEta(eta: unknown): number {
  if (typeof eta !== 'number' || !Number.isFinite(eta) || eta < 0) {
    throw new ConfigError('eta', eta, 'a finite number >= 0');
  }
  return eta;
}

/** x0 = px·x_t + pm·model_output for each prediction type (Ho et al. eq. 15; Salimans & Ho §4 for v). */
export function predOriginalCoefficients(
  predictionType: SchedulerConfig['predictionType'],
  alphaProd: number,
): { readonly px: number; readonly pm: number } {
  const sa = Math.sqrt(alphaProd);
  const sb = Math.sqrt(1 - alphaProd);
  switch (predictionType) {
    case 'epsilon':
      return { px: 1 / sa, pm: -sb / sa };
    case 'sample':
      return { px: 0, pm: 1 };
    case 'v_prediction':
      return { px: sa, pm: -sb };
  }
}

