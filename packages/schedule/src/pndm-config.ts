// PNDMScheduler's config: its keys with diffusers' defaults, its own key skip_prk_steps, and the prediction types
// its step takes.

import { BASIC_BETA_SCHEDULES, COMMON_DEFAULTS, configKey, readBoolean, type ClassConfig, type KeyTable } from './scheduler-config.js';

export interface PNDMConfig {
  /** PNDM: PLMS from the first step, without the 12 pseudo Runge–Kutta calls. */
  readonly skipPrkSteps: boolean;
}

export const PNDM_KEYS: KeyTable = {
  skip_prk_steps: configKey('skipPrkSteps', readBoolean),
};

/** The field's value in a class that does not take the key. */
export const PNDM_FALLBACK: PNDMConfig = { skipPrkSteps: false };

export const PNDM_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, skip_prk_steps: false, set_alpha_to_one: false, prediction_type: 'epsilon', timestep_spacing: 'leading',
    steps_offset: 0, prev_timestep: 'diffusers',
  },
  betaSchedules: BASIC_BETA_SCHEDULES,
  // diffusers raises for 'sample' at step.
  predictionTypes: ['epsilon', 'v_prediction'],
};
