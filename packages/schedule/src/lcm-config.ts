// LCMScheduler's config: its keys with diffusers' defaults, its own keys original_inference_steps and
// timestep_scaling, and the checks diffusers would only fail at set_timesteps or step.

import { ConfigError } from './config-error.js';
import { THRESHOLDING_DEFAULTS } from './sample-clipping-config.js';
import {
  BASIC_BETA_SCHEDULES,
  COMMON_DEFAULTS,
  configKey,
  MAX_TRAIN_TIMESTEPS,
  positive,
  readInteger,
  refuseZeroSnrWithEpsilon,
  type ClassConfig,
  type KeyTable,
  type SchedulerConfig,
} from './scheduler-config.js';

export interface LCMConfig {
  /**
   * LCM: the length of the schedule the model was distilled on (the paper's N with skipping step k = N_train // N);
   * its timesteps are drawn from that schedule. diffusers' `set_timesteps(original_inference_steps=…)` argument
   * means the same as this key, so a pipeline's argument becomes an override of it.
   */
  readonly originalInferenceSteps: number;
  /** LCM: the factor t is multiplied by in the boundary-condition scalings c_skip and c_out. */
  readonly timestepScaling: number;
}

export const LCM_KEYS: KeyTable = {
  original_inference_steps: configKey('originalInferenceSteps', readInteger(1, MAX_TRAIN_TIMESTEPS)),
  timestep_scaling: configKey('timestepScaling', positive),
};

/** The fields' values in a class that does not take the keys: LCM's defaults. */
export const LCM_FALLBACK: LCMConfig = { originalInferenceSteps: 50, timestepScaling: 10 };

/** diffusers raises this in set_timesteps: the original schedule's skipping step k = N // original would be 0. */
function checkOriginalInferenceSteps(config: SchedulerConfig): void {
  if (config.originalInferenceSteps > config.numTrainTimesteps) {
    throw new ConfigError(
      'original_inference_steps',
      config.originalInferenceSteps,
      `an integer in [1, num_train_timesteps = ${config.numTrainTimesteps}]`,
    );
  }
}

export const LCM_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', original_inference_steps: 50,
    clip_sample: false, clip_sample_range: 1.0, set_alpha_to_one: true, steps_offset: 0, prediction_type: 'epsilon',
    ...THRESHOLDING_DEFAULTS, timestep_spacing: 'leading', timestep_scaling: 10.0, rescale_betas_zero_snr: false,
  },
  betaSchedules: BASIC_BETA_SCHEDULES,
  // LCM divides by √ᾱ_t without the σ classes' clamp.
  checks: [refuseZeroSnrWithEpsilon, checkOriginalInferenceSteps],
};
