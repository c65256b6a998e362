// HeunDiscreteScheduler's config: its keys with diffusers' defaults (it has none of its own; its β default to
// Stable Diffusion's, and it also builds the exp schedule).

import { BASIC_BETA_SCHEDULES, COMMON_DEFAULTS, type ClassConfig } from './scheduler-config.js';
import { checkOneSigmaKind, SIGMA_KIND_DEFAULTS } from './sigma-schedule-config.js';

export const HEUN_DISCRETE_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, beta_start: 0.00085, beta_end: 0.012, prediction_type: 'epsilon', ...SIGMA_KIND_DEFAULTS, clip_sample: false,
    clip_sample_range: 1.0, timestep_spacing: 'linspace', steps_offset: 0,
  },
  betaSchedules: [...BASIC_BETA_SCHEDULES, 'exp'],
  checks: [checkOneSigmaKind],
};
