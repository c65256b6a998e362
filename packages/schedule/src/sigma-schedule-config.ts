// The keys that shape a σ ladder (see sigma-schedule.ts), which DPM-Solver, UniPC, Euler and Heun share: the kind of
// σ spacing, its range, and the final σ.

import { ConfigError } from './config-error.js';
import { configKey, nullable, onlyValue, positive, readBoolean, readLiteral, type KeyTable, type SchedulerConfig } from './scheduler-config.js';

export type FinalSigmasType = 'zero' | 'sigma_min';

export interface SigmaScheduleConfig {
  /** DPM-Solver, UniPC, Euler, Heun. */
  readonly useKarrasSigmas: boolean;
  readonly useExponentialSigmas: boolean;
  /** Always false: beta sigmas need the Beta distribution's inverse CDF, which denoise does not implement. */
  readonly useBetaSigmas: boolean;
  /** Euler, UniPC: override the Karras σ range. */
  readonly sigmaMin: number | null;
  readonly sigmaMax: number | null;
  /** DPM-Solver, UniPC, Euler. */
  readonly finalSigmasType: FinalSigmasType;
}

const FINAL_SIGMAS_TYPES: readonly FinalSigmasType[] = ['zero', 'sigma_min'];

export const SIGMA_SCHEDULE_KEYS: KeyTable = {
  use_karras_sigmas: configKey('useKarrasSigmas', readBoolean),
  use_exponential_sigmas: configKey('useExponentialSigmas', readBoolean),
  use_beta_sigmas: configKey('useBetaSigmas', onlyValue(false, 'beta sigmas need scipy.stats.beta.ppf, which denoise does not implement')),
  sigma_min: configKey('sigmaMin', nullable(positive)),
  sigma_max: configKey('sigmaMax', nullable(positive)),
  final_sigmas_type: configKey('finalSigmasType', readLiteral(FINAL_SIGMAS_TYPES)),
};

/** The fields' values in a class that does not take the keys: the training σ, ending at 0. */
export const SIGMA_SCHEDULE_FALLBACK: SigmaScheduleConfig = {
  useKarrasSigmas: false,
  useExponentialSigmas: false,
  useBetaSigmas: false,
  sigmaMin: null,
  sigmaMax: null,
  finalSigmasType: 'zero',
};

/** The three σ-kind switches with their defaults, which every class that takes them lists together. */
export const SIGMA_KIND_DEFAULTS = { use_karras_sigmas: false, use_exponential_sigmas: false, use_beta_sigmas: false } as const;

/** At most one σ kind is switched on (diffusers raises otherwise). */
export function checkOneSigmaKind(config: SchedulerConfig): void {
  const sigmaKinds = [config.useKarrasSigmas, config.useExponentialSigmas, config.useBetaSigmas].filter(Boolean).length;
  if (sigmaKinds > 1) {
    throw new ConfigError('use_karras_sigmas', config.useKarrasSigmas, 'only one of use_karras_sigmas, use_exponential_sigmas, use_beta_sigmas set to true');
  }
}
