import type { SchedulerConfig } from './scheduler-config.js';
import type { SchedulerClassName } from './scheduler-config-registry.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';

/**
 * What the sampling loop needs from every scheduler, named after diffusers' scheduler API. The loop is:
 *
 *   setTimesteps(S); x = x_T · initNoiseSigma
 *   for t of timesteps:                       // one entry per model call (Heun: 2S−1, PNDM: S+1 or S+9)
 *     ε = model(scaleModelInput(x, t), t)
 *     z = noiseDrawnAt(t) ? randn() : none    // the stochastic samplers' per-step noise, in diffusers' draw order
 *     x = step(ε, t, x, { noise: z }).prevSample
 *
 * Multistep state (past model outputs, Heun's first stage, PNDM's counter) lives in the scheduler and is
 * reset by setTimesteps; `step` must be called once per entry of `timesteps`, in order. A scheduler copies
 * whatever it keeps: the caller may reuse `modelOutput` and `sample` buffers after `step` returns.
 */
export interface Scheduler {
  /** diffusers' `_class_name`. */
  readonly className: SchedulerClassName;
  readonly config: SchedulerConfig;
  /** Keys of the config this class does not take (other classes' options), ignored as diffusers' from_config does. */
  readonly ignoredKeys: readonly string[];
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** diffusers' `order`: model calls per inference step for a single-step solver (Heun 2, others 1). */
  readonly order: number;
  /** Plans `steps` inference steps (throws ConfigError for a count the config cannot plan) and resets all state. */
  setTimesteps(steps: number): void;
  /** The `steps` given to setTimesteps, or null before. */
  readonly numInferenceSteps: number | null;
  /** The timestep of every model call, in call order (integers, or float32 for the Euler family and Heun). */
  readonly timesteps: Int32Array | Float32Array;
  /** The standard deviation of x_T: the loop multiplies unit-variance noise by it (1 for DDPM/DDIM/PNDM). */
  readonly initNoiseSigma: number;
  /**
   * The model's input at t: the sample divided by √(σ²+1) (Euler family, Heun), written into `out` when given;
   * schedulers that do not scale (DDPM, DDIM, DPM-Solver, UniPC, PNDM) return `sample` itself and leave `out`
   * untouched, so the loop pays nothing for them.
   */
  scaleModelInput(sample: Float32Array, timestep: number, out?: Float32Array): Float32Array;
  /** Whether `step` at t needs fresh standard-normal noise (diffusers draws it from the pipeline's generator). */
  noiseDrawnAt(timestep: number, options?: NoiseOptions): boolean;
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options?: StepOptions): StepOutput;
  /**
   * diffusers' `add_noise`: the forward process from a clean sample to timestep t (image-to-image starts here). For
   * the σ-based and multistep schedulers, t's σ is the begin index's once setBeginIndex is called.
   */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
  /**
   * diffusers' `set_begin_index` (call it after setTimesteps): the first `step` is at model call `index`, for a run
   * that starts part-way (img2img). Absent on the schedulers whose step needs no index (DDPM, DDIM, PNDM), as in diffusers.
   */
  setBeginIndex?(index: number): void;
  /** The config as diffusers JSON with `_class_name`; `fromConfig(toConfig())` gives an equal scheduler. */
  toConfig(): Record<string, unknown>;
}
