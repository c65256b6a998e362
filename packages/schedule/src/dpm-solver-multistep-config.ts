// DPMSolverMultistepScheduler's config: its keys with diffusers' defaults, its own keys (the algorithm, the final
// Euler step, uniform-λ sigmas, the λ clip), its check of the final σ against the algorithm, and the rewrites
// diffusers makes when it stores the config.

import { ConfigError } from './config-error.js';
import { THRESHOLDING_DEFAULTS } from './sample-clipping-config.js';
import {
  BASIC_BETA_SCHEDULES,
  COMMON_DEFAULTS,
  configKey,
  readBoolean,
  readLiteral,
  readNumberOrMinusInfinity,
  type ClassConfig,
  type KeyTable,
  type SchedulerConfig,
} from './scheduler-config.js';
import { checkOneSigmaKind, SIGMA_KIND_DEFAULTS } from './sigma-schedule-config.js';

/** DPM-Solver's algorithm (`deis` is accepted and rewritten to dpmsolver++, as diffusers does). */
export type DpmAlgorithmType = 'dpmsolver++' | 'sde-dpmsolver++' | 'dpmsolver' | 'sde-dpmsolver' | 'deis';

export interface DPMSolverMultistepConfig {
  readonly algorithmType: DpmAlgorithmType;
  /** A first-order last step whatever the order. */
  readonly eulerAtFinal: boolean;
  /** σ evenly spaced in λ = log(α/σ) (Lu et al.'s uniform-λ schedule). */
  readonly useLuLambdas: boolean;
  /** The plan starts where λ rises above this (−∞: no clip). */
  readonly lambdaMinClipped: number;
}

const ALGORITHM_TYPES: readonly DpmAlgorithmType[] = ['dpmsolver++', 'sde-dpmsolver++', 'dpmsolver', 'sde-dpmsolver', 'deis'];

export const DPM_SOLVER_MULTISTEP_KEYS: KeyTable = {
  algorithm_type: configKey('algorithmType', readLiteral(ALGORITHM_TYPES)),
  euler_at_final: configKey('eulerAtFinal', readBoolean),
  use_lu_lambdas: configKey('useLuLambdas', readBoolean),
  lambda_min_clipped: configKey('lambdaMinClipped', readNumberOrMinusInfinity),
};

/** The fields' values in a class that does not take the keys: DPM-Solver's defaults. */
export const DPM_SOLVER_MULTISTEP_FALLBACK: DPMSolverMultistepConfig = {
  algorithmType: 'dpmsolver++',
  eulerAtFinal: false,
  useLuLambdas: false,
  lambdaMinClipped: -Infinity,
};

export const DPM_SOLVER_MULTISTEP_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, solver_order: 2, prediction_type: 'epsilon', ...THRESHOLDING_DEFAULTS, algorithm_type: 'dpmsolver++',
    solver_type: 'midpoint', lower_order_final: true, euler_at_final: false, ...SIGMA_KIND_DEFAULTS, use_lu_lambdas: false,
    use_flow_sigmas: false, flow_shift: 1.0, final_sigmas_type: 'zero', lambda_min_clipped: -Infinity,
    variance_type: null, timestep_spacing: 'linspace', steps_offset: 0, rescale_betas_zero_snr: false,
    use_dynamic_shifting: false, time_shift_type: 'exponential', equal_sigma_step: 'diffusers',
  },
  betaSchedules: BASIC_BETA_SCHEDULES,
  checks: [checkOneSigmaKind, refuseZeroFinalSigmaWithNoisePrediction],
  rewrite: storedDpmSolverConfig,
};

/**
 * A zero final σ needs data prediction (diffusers raises for 'dpmsolver', 'sde-dpmsolver' and 'deis'). Checked
 * against the algorithm as given, before `deis` is rewritten, as diffusers does.
 */
function refuseZeroFinalSigmaWithNoisePrediction(config: SchedulerConfig): void {
  if (config.finalSigmasType === 'zero' && config.algorithmType !== 'dpmsolver++' && config.algorithmType !== 'sde-dpmsolver++') {
    throw new ConfigError(
      'final_sigmas_type',
      config.finalSigmasType,
      `'sigma_min' with algorithm_type '${config.algorithmType}' (a zero final σ needs 'dpmsolver++' or 'sde-dpmsolver++')`,
    );
  }
}

/**
 * What diffusers stores (register_to_config): `algorithm_type: 'deis'` becomes 'dpmsolver++', and the solver types
 * 'logrho', 'bh1', 'bh2' become 'midpoint'.
 */
function storedDpmSolverConfig(config: SchedulerConfig): SchedulerConfig {
  const algorithmType: DpmAlgorithmType = config.algorithmType === 'deis' ? 'dpmsolver++' : config.algorithmType;
  const solverType = config.solverType === 'heun' ? 'heun' : 'midpoint';
  return { ...config, algorithmType, solverType };
}
