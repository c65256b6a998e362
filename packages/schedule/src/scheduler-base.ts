import { alphasCumprodFor, betasFor, finiteSigmaAlphasCumprod } from './beta-schedule.js';
import type { ParsedSchedulerConfig, SchedulerConfig } from './scheduler-config.js';
import { schedulerConfigToJson, type SchedulerClassName } from './scheduler-config-registry.js';
import { checkPlanInRange } from './timestep-plan.js';

/**
 * Which ᾱ a scheduler stores: `'exact'` the cumulative product itself (DDPM, DDIM, PNDM), `'finite-sigma'`
 * the same with the zero-SNR ᾱ_{N−1} clamped to 2⁻²⁴ (the σ-reading classes; see finiteSigmaAlphasCumprod).
 */
export type AlphasCumprodKind = 'exact' | 'finite-sigma';

/**
 * What every scheduler base (DiscreteScheduler, SigmaDiscreteScheduler, MultistepScheduler) holds alike:
 * the parsed config and the keys it ignored, β and ᾱ over the N training timesteps, `setTimesteps` (the
 * subclass plans, this checks the plan), `numInferenceSteps`, and `toConfig`.
 */
export abstract class SchedulerBase {
  /** diffusers' `_class_name`. */
  abstract readonly className: SchedulerClassName;
  readonly config: SchedulerConfig;
  readonly ignoredKeys: readonly string[];
  readonly betas: Float32Array;
  /** ᾱ_t; for the σ-reading classes, with ᾱ_{N−1} clamped to 2⁻²⁴ under rescale_betas_zero_snr (as diffusers stores it). */
  readonly alphasCumprod: Float32Array;
  /** What `numInferenceSteps` reports; set by each subclass's planTimesteps. */
  protected inferenceSteps: number | null = null;

  protected constructor(parsed: ParsedSchedulerConfig, alphas: AlphasCumprodKind) {
    this.config = parsed.config;
    this.ignoredKeys = parsed.ignoredKeys;
    if (alphas === 'finite-sigma') {
      const { betas, alphasCumprod } = finiteSigmaAlphasCumprod(this.config);
      this.betas = betas;
      this.alphasCumprod = alphasCumprod;
    } else {
      this.betas = betasFor(this.config);
      this.alphasCumprod = alphasCumprodFor(this.betas);
    }
  }

  /** The timestep of every model call, in call order (see Scheduler.timesteps). */
  abstract get timesteps(): Int32Array | Float32Array;

  /**
   * Plans `steps` inference steps and resets all step state (planTimesteps), then refuses a plan with a
   * timestep outside [0, num_train_timesteps) (checkPlanInRange): one check, here, for every scheduler, so a
   * bad steps_offset fails before the first model call. Throws ConfigError; after a throw, plan again before
   * stepping.
   */
  setTimesteps(steps: number): void {
    this.planTimesteps(steps);
    checkPlanInRange(this.timesteps, steps, this.config);
  }

  /**
   * Computes and stores the plan of `steps` inference steps and resets the step state, without the range
   * check (Heun's constructor plans the full N steps as diffusers does, whatever the offset). Throws
   * ConfigError for a step count the config cannot plan.
   */
  protected abstract planTimesteps(steps: number): void;

  /** diffusers' `num_inference_steps`: the steps setTimesteps planned, or null before setTimesteps. */
  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  /** The config as diffusers JSON with `_class_name`; `fromConfig(toConfig())` gives an equal scheduler. */
  toConfig(): Record<string, unknown> {
    return schedulerConfigToJson(this.config, this.className);
  }
}
