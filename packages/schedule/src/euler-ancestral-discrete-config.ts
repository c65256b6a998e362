// EulerAncestralDiscreteScheduler's config: its keys with diffusers' defaults (it has none of its own) and the
// prediction types its step takes.

import { BASIC_BETA_SCHEDULES, COMMON_DEFAULTS, type ClassConfig } from './scheduler-config.js';

export const EULER_ANCESTRAL_DISCRETE_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, prediction_type: 'epsilon', timestep_spacing: 'linspace', steps_offset: 0, rescale_betas_zero_snr: false,
  },
  betaSchedules: BASIC_BETA_SCHEDULES,
  // diffusers has no 'sample' branch here.
  predictionTypes: ['epsilon', 'v_prediction'],
};
