// EulerDiscreteScheduler's config: its keys with diffusers' defaults, and its own keys interpolation_type and
// timestep_type.

import {
  BASIC_BETA_SCHEDULES,
  checkedKey,
  COMMON_DEFAULTS,
  configKey,
  onlyValue,
  readLiteral,
  type ClassConfig,
  type KeyTable,
} from './scheduler-config.js';
import { checkOneSigmaKind, SIGMA_KIND_DEFAULTS } from './sigma-schedule-config.js';

export type InterpolationType = 'linear' | 'log_linear';

export interface EulerDiscreteConfig {
  /** Euler: σ interpolated linearly at the timesteps, or evenly spaced in log σ. */
  readonly interpolationType: InterpolationType;
}

const INTERPOLATION_TYPES: readonly InterpolationType[] = ['linear', 'log_linear'];

export const EULER_DISCRETE_KEYS: KeyTable = {
  interpolation_type: configKey('interpolationType', readLiteral(INTERPOLATION_TYPES)),
  timestep_type: checkedKey(onlyValue('discrete', "'continuous' (EDM-style) timesteps are not supported")),
};

/** The field's value in a class that does not take the key (the other σ classes interpolate linearly). */
export const EULER_DISCRETE_FALLBACK: EulerDiscreteConfig = { interpolationType: 'linear' };

export const EULER_DISCRETE_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, prediction_type: 'epsilon', interpolation_type: 'linear', ...SIGMA_KIND_DEFAULTS, sigma_min: null,
    sigma_max: null, timestep_spacing: 'linspace', timestep_type: 'discrete', steps_offset: 0,
    rescale_betas_zero_snr: false, final_sigmas_type: 'zero',
  },
  betaSchedules: BASIC_BETA_SCHEDULES,
  checks: [checkOneSigmaKind],
};
