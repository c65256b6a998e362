// DDIMScheduler's config: its keys with diffusers' defaults, and denoise's two extensions, eta and prev_timestep
// (which PNDM also takes).

import {
  BASIC_BETA_SCHEDULES,
  COMMON_DEFAULTS,
  configKey,
  readLiteral,
  readNumber,
  refuseZeroSnrWithEpsilon,
  type ClassConfig,
  type KeyTable,
} from './scheduler-config.js';

/**
 * Which timestep a DDIM step moves to.
 * - `'diffusers'` (default): prev = t − numTrainTimesteps // steps, whatever the spacing, exactly as
 *   diffusers' `DDIMScheduler.step` does (for trailing with 7 steps, 999 → 857 although the plan says 856).
 * - `'schedule'`: prev = the next entry of `timesteps` (ᾱ_prev = final ᾱ after the last one), which is
 *   what the plan means for `linspace`, and for `trailing` when steps does not divide numTrainTimesteps.
 * DDPM always steps to the next planned timestep (diffusers' `previous_timestep`), so it ignores this.
 * PNDM has the same flaw as DDIM and takes the same option.
 */
export type PrevTimestepPolicy = 'diffusers' | 'schedule';

export interface DDIMConfig {
  /** DDIM only, a denoise extension (JSON key `eta`): the η used when `step` is given none. */
  readonly eta: number;
  /** DDIM and PNDM, a denoise extension (JSON key `prev_timestep`). */
  readonly prevTimestep: PrevTimestepPolicy;
}

const PREV_TIMESTEP_POLICIES: readonly PrevTimestepPolicy[] = ['diffusers', 'schedule'];

export const DDIM_KEYS: KeyTable = {
  eta: configKey('eta', (k, v) => readNumber(k, v, 'a finite number >= 0', (x) => x >= 0), { extension: true }),
  prev_timestep: configKey('prevTimestep', readLiteral(PREV_TIMESTEP_POLICIES), { extension: true, aliases: ['prevTimestep'] }),
};

/** The fields' values in a class that does not take the keys: diffusers' behaviour. */
export const DDIM_FALLBACK: DDIMConfig = { eta: 0, prevTimestep: 'diffusers' };

export const DDIM_CONFIG: ClassConfig = {
  defaults: {
    ...COMMON_DEFAULTS, clip_sample: true, set_alpha_to_one: true, steps_offset: 0, prediction_type: 'epsilon', thresholding: false,
    dynamic_thresholding_ratio: 0.995, clip_sample_range: 1.0, sample_max_value: 1.0, timestep_spacing: 'leading',
    rescale_betas_zero_snr: false, eta: 0, prev_timestep: 'diffusers',
  },
  betaSchedules: [...BASIC_BETA_SCHEDULES, 'sigmoid'],
  checks: [refuseZeroSnrWithEpsilon],
};
