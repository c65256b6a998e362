// UniPCMultistepScheduler's config: its keys with diffusers' defaults, its own keys (data or noise prediction, the
// corrector's off steps, denoise's zero-σ extension, and two keys accepted only switched off), and the rewrite
// diffusers makes when it stores the config.

import { ConfigError } from './config-error.js';
import { THRESHOLDING_DEFAULTS } from './sample-clipping-config.js';
import {
  BASIC_BETA_SCHEDULES,
  checkedKey,
  COMMON_DEFAULTS,
  configKey,
  onlyValue,
  readBoolean,
  readLiteral,
  type ClassConfig,
  type KeyTable,
  type SchedulerConfig,
} from './scheduler-config.js';
import { checkOneSigmaKind, SIGMA_KIND_DEFAULTS } from './sigma-schedule-config.js';

/**
 * What a UniPC predictor step into σ = 0 (final_sigmas_type 'zero') does. A denoise extension (JSON key
 * `zero_sigma_step`).
 * - `'diffusers'` (default): diffusers' formulas, where λ = +∞: NaN with solver_type bh1 (B(h) = −∞ times 0)
 *   and with predict_x0 false, ±∞/NaN at order 2 and a singular ρ system at order 3 (lower_order_final false).
 * - `'limit'`: the σ_t → 0 limit of the first-order update at any order: the x0 estimate from the (corrected)
 *   sample, as DPM-Solver's forced first-order final step gives.
 */
export type ZeroSigmaStep = 'diffusers' | 'limit';

export interface UniPCMultistepConfig {
  /** Data (x0) prediction, else noise (ε) prediction. */
  readonly predictX0: boolean;
  /** Step indices where the corrector does not run. */
  readonly disableCorrector: readonly number[];
  /** A denoise extension (JSON key `zero_sigma_step`). */
  readonly zeroSigmaStep: ZeroSigmaStep;
}

const ZERO_SIGMA_STEPS: readonly ZeroSigmaStep[] = ['diffusers', 'limit'];

function readStepIndexList(key: string, value: unknown): readonly number[] {
  const allowed = 'an array of step indices (integers >= 0)';
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new ConfigError(key, value, allowed);
  }
  return Object.freeze([...(value as number[])]);
}

export const UNIPC_MULTISTEP_KEYS: KeyTable = {
  predict_x0: configKey('predictX0', readBoolean),
  disable_corrector: configKey('disableCorrector', readStepIndexList),
  zero_sigma_step: configKey('zeroSigmaStep', readLiteral(ZERO_SIGMA_STEPS), { extension: true }),
  solver_p: checkedKey(onlyValue(null, 'a separate solver for the predictor is not supported')),
  shift_terminal: checkedKey(onlyValue(null, 'flow matching is not supported')),
};

/** The fields' values in a class that does not take the keys: UniPC's defaults. */
export const UNIPC_MULTISTEP_FALLBACK: UniPCMultistepConfig = {
  predictX0: true,
  disableCorrector: Object.freeze([]),
  zeroSigmaStep: 'diffusers',
};

export const UNIPC_MULTISTEP_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, solver_order: 2, prediction_type: 'epsilon', ...THRESHOLDING_DEFAULTS, predict_x0: true, solver_type: 'bh2',
    lower_order_final: true, disable_corrector: [], solver_p: null, ...SIGMA_KIND_DEFAULTS, use_flow_sigmas: false,
    flow_shift: 1.0, timestep_spacing: 'linspace', steps_offset: 0, final_sigmas_type: 'zero',
    rescale_betas_zero_snr: false, use_dynamic_shifting: false, time_shift_type: 'exponential', sigma_min: null,
    sigma_max: null, shift_terminal: null, equal_sigma_step: 'diffusers', zero_sigma_step: 'diffusers',
  },
  betaSchedules: BASIC_BETA_SCHEDULES,
  checks: [checkOneSigmaKind],
  rewrite: storedUniPCConfig,
};

/** What diffusers stores (register_to_config): the DPM-Solver solver types midpoint, heun, logrho become bh2. */
function storedUniPCConfig(config: SchedulerConfig): SchedulerConfig {
  return { ...config, solverType: config.solverType === 'bh1' ? 'bh1' : 'bh2' };
}
