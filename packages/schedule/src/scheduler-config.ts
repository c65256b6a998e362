import { ConfigError } from './config-error.js';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2' | 'sigmoid';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';
export type VarianceType =
  | 'fixed_small'
  | 'fixed_small_log'
  | 'fixed_large'
  | 'fixed_large_log'
  | 'learned'
  | 'learned_range';
/**
 * Which timestep a DDIM step moves to.
 * - `'diffusers'` (default): prev = t − numTrainTimesteps // steps, whatever the spacing, exactly as
 *   diffusers' `DDIMScheduler.step` does (for trailing with 7 steps, 999 → 857 although the plan says 856).
 * - `'schedule'`: prev = the next entry of `timesteps` (ᾱ_prev = final ᾱ after the last one), which is
 *   what the plan means for `linspace`, and for `trailing` when steps does not divide numTrainTimesteps.
 * DDPM always steps to the next planned timestep (diffusers' `previous_timestep`), so it ignores this.
 */
export type PrevTimestepPolicy = 'diffusers' | 'schedule';
export type SchedulerClassName = 'DDIMScheduler' | 'DDPMScheduler';

/** A resolved, validated scheduler configuration: diffusers' options in camelCase, defaults applied. */
export interface SchedulerConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  readonly trainedBetas: readonly number[] | null;
  readonly predictionType: PredictionType;
  /** DDPM only. */
  readonly varianceType: VarianceType;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  /** DDIM only: ᾱ used after the last step is 1 (true) or ᾱ_0 (false). */
  readonly setAlphaToOne: boolean;
  readonly stepsOffset: number;
  readonly timestepSpacing: TimestepSpacing;
  readonly thresholding: boolean;
  readonly dynamicThresholdingRatio: number;
  readonly sampleMaxValue: number;
  readonly rescaleBetasZeroSnr: boolean;
  /** DDIM only, a denoise extension (JSON key `eta`): the η used when `step` is given none. */
  readonly eta: number;
  /** DDIM only, a denoise extension (JSON key `prev_timestep`). */
  readonly prevTimestep: PrevTimestepPolicy;
}

/** The defaults, in one place: diffusers' `__init__` defaults plus denoise's two extensions. */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = Object.freeze({
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  predictionType: 'epsilon',
  varianceType: 'fixed_small',
  clipSample: true,
  clipSampleRange: 1.0,
  setAlphaToOne: true,
  stepsOffset: 0,
  timestepSpacing: 'leading',
  thresholding: false,
  dynamicThresholdingRatio: 0.995,
  sampleMaxValue: 1.0,
  rescaleBetasZeroSnr: false,
  eta: 0,
  prevTimestep: 'diffusers',
});

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'sigmoid'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];
const VARIANCE_TYPES: readonly VarianceType[] = [
  'fixed_small',
  'fixed_small_log',
  'fixed_large',
  'fixed_large_log',
  'learned',
  'learned_range',
];
const PREV_TIMESTEP_POLICIES: readonly PrevTimestepPolicy[] = ['diffusers', 'schedule'];

type Scope = 'both' | 'DDIMScheduler' | 'DDPMScheduler';
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface KeySpec<K extends keyof SchedulerConfig> {
  readonly field: K;
  readonly scope: Scope;
  /** Only written by `toConfig` when the value differs from the default (denoise extensions). */
  readonly extension: boolean;
  readonly read: (key: string, value: unknown) => SchedulerConfig[K];
}

function spec<K extends keyof SchedulerConfig>(
  field: K,
  scope: Scope,
  read: (key: string, value: unknown) => SchedulerConfig[K],
  extension = false,
): KeySpec<K> {
  return { field, scope, read, extension };
}

function readNumber(key: string, value: unknown, allowed: string, ok: (v: number) => boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new ConfigError(key, value, allowed);
  }
  return value;
}

const positive = (key: string, v: unknown): number => readNumber(key, v, 'a finite number > 0', (x) => x > 0);
const unitInterval = (key: string, v: unknown): number =>
  readNumber(key, v, 'a finite number in [0, 1]', (x) => x >= 0 && x <= 1);

function readBoolean(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(key, value, 'true or false');
  return value;
}

function readInteger(min: number) {
  return (key: string, value: unknown): number =>
    readNumber(key, value, `an integer >= ${min}`, (x) => Number.isInteger(x) && x >= min);
}

function readLiteral<T extends string>(options: readonly T[]) {
  return (key: string, value: unknown): T => {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      throw new ConfigError(key, value, `one of ${options.map((o) => `'${o}'`).join(', ')}`);
    }
    return value as T;
  };
}

function readTrainedBetas(key: string, value: unknown): readonly number[] | null {
  if (value === null) return null;
  const allowed = 'null or an array of finite numbers in [0, 1]';
  if (!Array.isArray(value)) throw new ConfigError(key, value, allowed);
  for (const b of value) {
    if (typeof b !== 'number' || !Number.isFinite(b) || b < 0 || b > 1) throw new ConfigError(key, value, allowed);
  }
  return Object.freeze([...(value as number[])]);
}

/** diffusers' snake_case JSON keys, in diffusers' order, and how each is read. */
const KEY_SPECS: Readonly<Record<string, KeySpec<keyof SchedulerConfig>>> = {
  num_train_timesteps: spec('numTrainTimesteps', 'both', readInteger(1)),
  beta_start: spec('betaStart', 'both', unitInterval),
  beta_end: spec('betaEnd', 'both', unitInterval),
  beta_schedule: spec('betaSchedule', 'both', readLiteral(BETA_SCHEDULES)),
  trained_betas: spec('trainedBetas', 'both', readTrainedBetas),
  variance_type: spec('varianceType', 'DDPMScheduler', readLiteral(VARIANCE_TYPES)),
  clip_sample: spec('clipSample', 'both', readBoolean),
  set_alpha_to_one: spec('setAlphaToOne', 'DDIMScheduler', readBoolean),
  steps_offset: spec('stepsOffset', 'both', readInteger(0)),
  prediction_type: spec('predictionType', 'both', readLiteral(PREDICTION_TYPES)),
  thresholding: spec('thresholding', 'both', readBoolean),
  dynamic_thresholding_ratio: spec('dynamicThresholdingRatio', 'both', (k, v) =>
    readNumber(k, v, 'a finite number in (0, 1]', (x) => x > 0 && x <= 1),
  ),
  clip_sample_range: spec('clipSampleRange', 'both', positive),
  sample_max_value: spec('sampleMaxValue', 'both', positive),
  timestep_spacing: spec('timestepSpacing', 'both', readLiteral(SPACINGS)),
  rescale_betas_zero_snr: spec('rescaleBetasZeroSnr', 'both', readBoolean),
  eta: spec('eta', 'DDIMScheduler', (k, v) => readNumber(k, v, 'a finite number >= 0', (x) => x >= 0), true),
  prev_timestep: spec('prevTimestep', 'DDIMScheduler', readLiteral(PREV_TIMESTEP_POLICIES), true),
};

/** Spellings accepted for a key besides its snake_case name. */
const KEY_ALIASES: Readonly<Record<string, string>> = { prevTimestep: 'prev_timestep' };

/**
 * Keys that other diffusers schedulers write into `scheduler_config.json`. They are accepted (so a
 * config saved by e.g. PNDMScheduler or EulerDiscreteScheduler loads) and reported in `ignoredKeys`.
 * Any other key is a typo or an unknown option and is rejected.
 */
const FOREIGN_KEYS: ReadonlySet<string> = new Set([
  'skip_prk_steps', 'use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'interpolation_type',
  'timestep_type', 'sigma_min', 'sigma_max', 'sigma_data', 'sigma_schedule', 'rho', 's_noise', 'solver_order',
  'solver_type', 'algorithm_type', 'lower_order_final', 'euler_at_final', 'final_sigmas_type',
  'lambda_min_clipped', 'use_lu_lambdas', 'use_flow_sigmas', 'flow_shift',
  'predict_x0', 'solver_p', 'disable_corrector', 'original_inference_steps', 'timestep_scaling',
  'use_dynamic_shifting', 'shift', 'base_shift', 'max_shift', 'base_image_seq_len', 'max_image_seq_len',
  'invert_sigmas', 'shift_terminal', 'noise_sampler_seed', 'clip_denoised', 'stochastic_sampling',
  'time_shift_type', 'sde_type', 'snr_shift_scale', 'rescale_zero_terminal_snr',
]);

const CAMEL_TO_SNAKE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(KEY_SPECS).map(([snake, s]) => [s.field, snake]),
);

export interface ParseSchedulerConfigOptions {
  /** The scheduler the config is for: keys that only the other one uses are then reported as ignored. */
  readonly scheduler?: SchedulerClassName;
}

export interface ParsedSchedulerConfig {
  readonly config: SchedulerConfig;
  /** Keys present in the input that the scheduler does not use (other schedulers' options). */
  readonly ignoredKeys: readonly string[];
}

/**
 * Reads a diffusers `scheduler_config.json` object (snake_case keys, `_class_name` etc.), validates every
 * value once and applies the defaults. Keys starting with `_` are diffusers metadata and are skipped.
 * Throws ConfigError naming the key, the value and what is allowed.
 */
export function parseSchedulerConfig(input: unknown, options: ParseSchedulerConfigOptions = {}): ParsedSchedulerConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('scheduler_config', input, 'a JSON object of diffusers scheduler options');
  }
  const config: Mutable<SchedulerConfig> = { ...DEFAULT_SCHEDULER_CONFIG };
  const ignoredKeys: string[] = [];
  const seen = new Map<string, string>();
  for (const [rawKey, value] of Object.entries(input as Record<string, unknown>)) {
    if (rawKey.startsWith('_')) continue;
    const key = KEY_ALIASES[rawKey] ?? rawKey;
    const keySpec = KEY_SPECS[key];
    if (keySpec === undefined) {
      if (FOREIGN_KEYS.has(key)) {
        ignoredKeys.push(rawKey);
        continue;
      }
      throw new ConfigError(rawKey, value, `a diffusers DDIM/DDPM scheduler option: ${Object.keys(KEY_SPECS).join(', ')}`);
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new ConfigError(rawKey, value, `only one of ${earlier} and ${rawKey}`);
    seen.set(key, rawKey);
    if (options.scheduler !== undefined && keySpec.scope !== 'both' && keySpec.scope !== options.scheduler) {
      ignoredKeys.push(rawKey);
      continue;
    }
    (config as Record<string, unknown>)[keySpec.field] = keySpec.read(rawKey, value);
  }
  checkCombinations(config);
  return { config: Object.freeze(config), ignoredKeys: Object.freeze(ignoredKeys) };
}

function checkCombinations(config: SchedulerConfig): void {
  if (config.trainedBetas !== null) {
    if (config.trainedBetas.length !== config.numTrainTimesteps) {
      throw new ConfigError('trained_betas', config.trainedBetas, `exactly num_train_timesteps (${config.numTrainTimesteps}) betas`);
    }
  } else if (config.betaSchedule !== 'squaredcos_cap_v2' && !(config.betaEnd > config.betaStart)) {
    throw new ConfigError('beta_end', config.betaEnd, `a value greater than beta_start (${config.betaStart})`);
  }
  if (config.rescaleBetasZeroSnr && config.predictionType === 'epsilon') {
    // Zero terminal SNR makes ᾱ_T = 0, where x0 = (x_t − √(1−ᾱ)·ε)/√ᾱ divides by zero. diffusers returns
    // ±Infinity there; denoise refuses the combination instead (Lin et al. 2023 pair it with v-prediction).
    throw new ConfigError(
      'prediction_type',
      config.predictionType,
      "'v_prediction' or 'sample' when rescale_betas_zero_snr is true (epsilon cannot recover x0 at zero terminal SNR)",
    );
  }
}

/**
 * Writes a config back as diffusers JSON: `_class_name` and the keys that `className` uses. The denoise
 * extensions (`eta`, `prev_timestep`) are written only when they differ from their defaults, so a default
 * config stays a plain diffusers config.
 */
export function schedulerConfigToJson(config: SchedulerConfig, className: SchedulerClassName): Record<string, unknown> {
  const out: Record<string, unknown> = { _class_name: className };
  for (const [snake, s] of Object.entries(KEY_SPECS)) {
    if (s.scope !== 'both' && s.scope !== className) continue;
    const value = config[s.field];
    if (s.extension && value === DEFAULT_SCHEDULER_CONFIG[s.field]) continue;
    out[snake] = Array.isArray(value) ? [...(value as readonly number[])] : value;
  }
  return out;
}

/** The snake_case JSON key of a config field, for error messages. */
export function configKeyOf(field: keyof SchedulerConfig): string {
  return CAMEL_TO_SNAKE[field] ?? field;
}
