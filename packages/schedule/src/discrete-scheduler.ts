import { ConfigError } from './config-error.js';
import { addNoiseWith, velocityWith } from './forward-process.js';
import { SchedulerBase } from './scheduler-base.js';
import { parseSchedulerConfig, type SchedulerClassName, type SchedulerConfig } from './scheduler-config.js';
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

/** Throws a RangeError when a step coefficient is not finite, so no NaN or ∞ escapes silently. */
export function checkFinite(values: Readonly<Record<string, number>>, timestep: number): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) throw new RangeError(`step coefficient ${name} is ${v} at timestep ${timestep}`);
  }
}
