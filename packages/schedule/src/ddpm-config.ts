// DDPMScheduler's config: its keys with diffusers' defaults, and its one own key, variance_type (which
// DPM-Solver also reads, for learned variance).

import {
  BASIC_BETA_SCHEDULES,
  COMMON_DEFAULTS,
  configKey,
  nullable,
  readLiteral,
  refuseZeroSnrWithEpsilon,
  type ClassConfig,
  type KeyTable,
} from './scheduler-config.js';

export type VarianceType =
  | 'fixed_small'
  | 'fixed_small_log'
  | 'fixed_large'
  | 'fixed_large_log'
  | 'learned'
  | 'learned_range';

export interface DDPMConfig {
  /** DDPM; DPM-Solver reads learned / learned_range (model output of 2C channels) and ignores the rest. */
  readonly varianceType: VarianceType | null;
}

const VARIANCE_TYPES: readonly VarianceType[] = [
  'fixed_small',
  'fixed_small_log',
  'fixed_large',
  'fixed_large_log',
  'learned',
  'learned_range',
];

export const DDPM_KEYS: KeyTable = {
  variance_type: configKey('varianceType', nullable(readLiteral(VARIANCE_TYPES))),
};

/** The field's value in a class that does not take the key. */
export const DDPM_FALLBACK: DDPMConfig = { varianceType: 'fixed_small' };

export const DDPM_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, variance_type: 'fixed_small', clip_sample: true, prediction_type: 'epsilon', thresholding: false,
    dynamic_thresholding_ratio: 0.995, clip_sample_range: 1.0, sample_max_value: 1.0, timestep_spacing: 'leading', steps_offset: 0,
    rescale_betas_zero_snr: false,
  },
  betaSchedules: [...BASIC_BETA_SCHEDULES, 'sigmoid'],
  checks: [refuseZeroSnrWithEpsilon],
};
