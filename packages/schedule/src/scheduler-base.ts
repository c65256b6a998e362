import { alphasCumprodFor, betasFor, finiteSigmaAlphasCumprod } from './beta-schedule.js';
import {
  schedulerConfigToJson,
  type ParsedSchedulerConfig,
  type SchedulerClassName,
  type SchedulerConfig,
} from './scheduler-config.js';

/**
 * Which ᾱ a scheduler stores: `'exact'` the cumulative product itself (DDPM, DDIM, PNDM), `'finite-sigma'`
 * the same with the zero-SNR ᾱ_{N−1} clamped to 2⁻²⁴ (the σ-reading classes; see finiteSigmaAlphasCumprod).
 */
export type AlphasCumprodKind = 'exact' | 'finite-sigma';

/**
 * What every scheduler base (DiscreteScheduler, SigmaDiscreteScheduler, MultistepScheduler) holds alike:
 * the parsed config and the keys it ignored, β and ᾱ over the N training timesteps, `numInferenceSteps`,
 * and `toConfig`.
 */
export abstract class SchedulerBase {
  /** diffusers' `_class_name`. */
  abstract readonly className: SchedulerClassName;
  readonly config: SchedulerConfig;
  readonly ignoredKeys: readonly string[];
  readonly betas: Float32Array;
  /** ᾱ_t; for the σ-reading classes, with ᾱ_{N−1} clamped to 2⁻²⁴ under rescale_betas_zero_snr (as diffusers stores it). */
  readonly alphasCumprod: Float32Array;
  /** What `numInferenceSteps` reports; set by each subclass's setTimesteps. */
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

  /** diffusers' `num_inference_steps`: the steps setTimesteps planned, or null before setTimesteps. */
  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  /** The config as diffusers JSON with `_class_name`; `fromConfig(toConfig())` gives an equal scheduler. */
  toConfig(): Record<string, unknown> {
    return schedulerConfigToJson(this.config, this.className);
  }
}
