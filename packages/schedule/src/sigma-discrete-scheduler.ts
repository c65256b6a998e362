import { SchedulerBase } from './scheduler-base.js';
import type { PredictionType, SchedulerConfig } from './scheduler-config.js';
import { parseSchedulerConfig, type SchedulerClassName } from './scheduler-config-registry.js';
import type { Scheduler } from './scheduler.js';
import {
  exponentialSigmas,
  interpAtIndex,
  karrasSigmas,
  linspace64,
  logF32,
  sigmaToT,
  trainingSigmas,
} from './sigma-schedule.js';
import { checkBeginIndex } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';
import { checkInferenceSteps, timestepIndexOf, timestepPlan } from './timestep-plan.js';

const f32 = Math.fround;

/** The σ ladder of one `setTimesteps` call, before any per-class rearrangement (Heun's interleaving). */
export interface SigmaSchedule {
  /** One float32 timestep per inference step (descending, fractional under Karras/exponential/linspace). */
  readonly timesteps: Float32Array;
  /** The σ of every timestep, then the final σ (0 or σ_min); log_linear has one σ more than it reaches. */
  readonly sigmas: Float32Array;
}

/**
 * diffusers' σ-family `set_timesteps` (Euler, Euler ancestral, Heun), reproduced with its float32 roundings:
 * 1. timesteps by `timestep_spacing` (Lin et al. 2023, Table 2), as float32: linspace(0, N−1, S) without
 *    rounding, leading i·(N//S) + steps_offset, trailing round(N − i·N/S) − 1;
 * 2. σ(t) by linear interpolation of the float32 training sigmas √((1−ᾱ)/ᾱ) at the (fractional) timesteps,
 *    or, for `interpolation_type: 'log_linear'`, S+1 float32 sigmas evenly spaced in log σ from σ_max to σ_min;
 * 3. optionally Karras et al. (2022) eq. 5 (ρ = 7) or log-uniform sigmas between the *spaced* σ range (or the
 *    config's sigma_min/sigma_max), with timesteps recovered from σ by log-linear interpolation (_sigma_to_t);
 * 4. the final σ appended: 0, or σ(t=0) for `final_sigmas_type: 'sigma_min'`.
 * Config fields a class does not take hold their defaults (linear, zero, no Karras), so one function serves all.
 */
export function sigmaScheduleFor(config: SchedulerConfig, trainSigmas: Float32Array, steps: number): SigmaSchedule {
  const n = config.numTrainTimesteps;
  checkInferenceSteps(steps, n);
  let timesteps: Float64Array;
  if (config.timestepSpacing === 'linspace') {
    // numpy.linspace(0, N−1, S, dtype=float32): computed in float64, rounded once, then reversed.
    timesteps = linspace64(0, n - 1, steps).map(f32).reverse();
  } else {
    timesteps = Float64Array.from(timestepPlan(config, steps));
  }
  let sigmas: Float64Array;
  if (config.interpolationType === 'log_linear') {
    // torch.linspace(log σ_max, log σ_min, S+1).exp() in float32 (np.log of the float32 σ is float32).
    const logMax = f32(Math.log(trainSigmas[n - 1]!));
    const logMin = f32(Math.log(trainSigmas[0]!));
    sigmas = linspace64(logMax, logMin, steps + 1).map((v) => f32(Math.exp(f32(v))));
  } else {
    sigmas = timesteps.map((t) => interpAtIndex(t, trainSigmas));
  }
  if (config.useKarrasSigmas || config.useExponentialSigmas) {
    const sigmaMin = config.sigmaMin ?? sigmas[sigmas.length - 1]!;
    const sigmaMax = config.sigmaMax ?? sigmas[0]!;
    sigmas = config.useKarrasSigmas ? karrasSigmas(sigmaMin, sigmaMax, steps) : exponentialSigmas(sigmaMin, sigmaMax, steps);
    const logSigmas = logF32(trainSigmas);
    timesteps = sigmas.map((s) => sigmaToT(s, logSigmas));
  }
  const last = config.finalSigmasType === 'sigma_min' ? trainSigmas[0]! : 0;
  const out = new Float32Array(sigmas.length + 1);
  out.set(sigmas);
  out[sigmas.length] = last;
  return { timesteps: Float32Array.from(timesteps), sigmas: out };
}

/**
 * x0 = px·x + pm·model_output for a σ-parameterised model (Karras et al. 2022, Table 1):
 * ε: x − σ·ε; v: x/(σ²+1) − σ/√(σ²+1)·v (c_skip, c_out); sample: the output itself.
 */
export function sigmaPredCoefficients(predictionType: PredictionType, sigma: number): { readonly px: number; readonly pm: number } {
  switch (predictionType) {
    case 'epsilon':
      return { px: 1, pm: -sigma };
    case 'v_prediction': {
      const s2 = sigma * sigma + 1;
      return { px: 1 / s2, pm: -sigma / Math.sqrt(s2) };
    }
    case 'sample':
      return { px: 0, pm: 1 };
  }
}

/**
 * What EulerDiscreteScheduler, EulerAncestralDiscreteScheduler and HeunDiscreteScheduler share: the config,
 * β, ᾱ and the training sigmas, the σ schedule of `setTimesteps`, the input scaling x/√(σ²+1), the lazily
 * initialised step index (diffusers' `_init_step_index`, `index_for_timestep`, `set_begin_index`), and the
 * forward process x + σ·noise for img2img.
 */
export abstract class SigmaDiscreteScheduler extends SchedulerBase implements Scheduler {
  /** The training sigmas σ_t = √((1−ᾱ_t)/ᾱ_t), t = 0 … N−1 (ascending), each operation in float32. */
  readonly trainSigmas: Float32Array;
  abstract readonly order: number;
  protected plannedTimesteps: Float32Array;
  protected plannedSigmas: Float32Array;
  protected stepIndexValue: number | null = null;
  protected beginIndexValue: number | null = null;

  protected constructor(config: unknown, className: SchedulerClassName) {
    super(parseSchedulerConfig(config, { scheduler: className }), 'finite-sigma');
    this.trainSigmas = trainingSigmas(this.alphasCumprod);
    // Before setTimesteps diffusers holds every training timestep N−1 … 0 and their sigmas, then 0.
    const n = this.config.numTrainTimesteps;
    this.plannedTimesteps = Float32Array.from({ length: n }, (_, i) => n - 1 - i);
    this.plannedSigmas = new Float32Array(n + 1);
    for (let i = 0; i < n; i++) this.plannedSigmas[i] = this.trainSigmas[n - 1 - i]!;
  }

  /** The timestep of every model call, in order (float32). Do not modify. */
  get timesteps(): Float32Array {
    return this.plannedTimesteps;
  }

  /** diffusers' `sigmas`: σ of every entry of `timesteps`, then the final σ. Do not modify. */
  get sigmas(): Float32Array {
    return this.plannedSigmas;
  }

  /** diffusers' `step_index`: the index the next call uses; null until the first scaleModelInput/step. */
  get stepIndex(): number | null {
    return this.stepIndexValue;
  }

  /** diffusers' `begin_index`: the first index, set by setBeginIndex (img2img); cleared by setTimesteps. */
  get beginIndex(): number | null {
    return this.beginIndexValue;
  }

  /**
   * The standard deviation of x_T: max σ for linspace and trailing spacing, √(max σ² + 1) for leading
   * (diffusers' property, recomputed from the current sigmas, in float32).
   */
  get initNoiseSigma(): number {
    let max = -Infinity;
    for (const s of this.plannedSigmas) if (s > max) max = s;
    if (this.config.timestepSpacing !== 'leading') return max;
    return f32(Math.sqrt(f32(f32(max * max) + 1)));
  }

  /** Plans `steps` inference steps and resets the step index, the begin index and any multistep state. */
  protected planTimesteps(steps: number): void {
    const { timesteps, sigmas } = sigmaScheduleFor(this.config, this.trainSigmas, steps);
    this.applySchedule(timesteps, sigmas);
    this.inferenceSteps = steps;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
  }

  /** Stores the planned schedule; Heun overrides it to interleave its two stages. */
  protected applySchedule(timesteps: Float32Array, sigmas: Float32Array): void {
    this.plannedTimesteps = timesteps;
    this.plannedSigmas = sigmas;
  }

  /** diffusers' `set_begin_index`: the index of the first call (img2img starts part-way). Call after setTimesteps. */
  setBeginIndex(index: number): void {
    this.beginIndexValue = checkBeginIndex(index, this.plannedTimesteps.length);
  }

  /**
   * diffusers' `index_for_timestep`: the index of t in `timesteps` (compared as float32), the second
   * occurrence when t appears more than once. A RangeError names a t that is not in the schedule.
   */
  indexForTimestep(timestep: number): number {
    const index = timestepIndexOf(this.plannedTimesteps, f32(timestep));
    if (index < 0) {
      throw new RangeError(`timestep ${timestep} is not in the planned timesteps (${this.plannedTimesteps.length} entries)`);
    }
    return index;
  }

  /** The index the next call uses at t, without committing it: step index, else begin index, else the lookup. */
  protected peekStepIndex(timestep: number): number {
    if (this.stepIndexValue !== null) {
      this.requireInSchedule(timestep);
      return this.stepIndexValue;
    }
    return this.beginIndexValue ?? this.indexForTimestep(timestep);
  }

  /** diffusers' lazy `_init_step_index`, then a check that a step remains; returns the index of this call. */
  protected currentStepIndex(timestep: number): number {
    const index = this.peekStepIndex(timestep);
    if (index >= this.plannedTimesteps.length) {
      throw new RangeError(
        `all ${this.plannedTimesteps.length} planned timesteps have been stepped; call setTimesteps to start again`,
      );
    }
    this.stepIndexValue = index;
    return index;
  }

  private requireInSchedule(timestep: number): void {
    if (this.plannedTimesteps.indexOf(f32(timestep)) < 0) {
      throw new RangeError(`timestep ${timestep} is not in the planned timesteps (${this.plannedTimesteps.length} entries)`);
    }
  }

  /**
   * The model's input x/√(σ²+1) (Karras et al. 2022, c_in), σ of the current step, with diffusers' float32
   * roundings: the divisor f32(√(f32(σ²)+1)) and one float32 division per element. Starts the step index.
   */
  scaleModelInput(sample: Float32Array, timestep: number, out?: Float32Array): Float32Array {
    const sigma = this.plannedSigmas[this.currentStepIndex(timestep)]!;
    const divisor = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
    const result = out ?? new Float32Array(sample.length);
    if (result.length !== sample.length) throw new RangeError(`out has ${result.length} elements; expected ${sample.length}`);
    for (let i = 0; i < sample.length; i++) result[i] = sample[i]! / divisor;
    return result;
  }

  abstract noiseDrawnAt(timestep: number, options?: NoiseOptions): boolean;
  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options?: StepOptions): StepOutput;

  /**
   * The forward process of the σ parameterisation, x_σ = x0 + σ·noise (img2img's starting latents), with σ at
   * the begin index when one is set (or at the current step index once stepping started), else at the index of
   * `timestep` in the schedule, as diffusers' `add_noise`.
   */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    if (noise.length !== original.length) throw new RangeError(`noise has ${noise.length} elements; expected ${original.length}`);
    let index: number;
    if (this.beginIndexValue === null) index = this.indexForTimestep(timestep);
    else index = this.stepIndexValue ?? this.beginIndexValue;
    const sigma = this.plannedSigmas[index]!;
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = original[i]! + f32(noise[i]! * sigma);
    return out;
  }
}
