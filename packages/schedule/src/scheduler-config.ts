// The shared reader of diffusers' scheduler_config.json: the keys every class takes (the ᾱ/β schedule, the
// prediction type, the timestep spacing), how any key's value is read and checked, the reading of a whole config
// for one class (keys of other classes ignored and reported, unknown keys refused), and the writing back, where
// Python's -Infinity becomes a string. The keys and defaults of each class live beside it (<class>-config.ts, and
// sample-clipping-config.ts, sigma-schedule-config.ts, multistep-config.ts for keys several classes share); the
// table of classes is scheduler-config-registry.ts.

import { ConfigError } from './config-error.js';
import type { DDIMConfig } from './ddim-config.js';
import type { DDPMConfig } from './ddpm-config.js';
import type { DPMSolverMultistepConfig } from './dpm-solver-multistep-config.js';
import type { EulerDiscreteConfig } from './euler-discrete-config.js';
import type { LCMConfig } from './lcm-config.js';
import type { MultistepConfig } from './multistep-config.js';
import type { PNDMConfig } from './pndm-config.js';
import type { SampleClippingConfig } from './sample-clipping-config.js';
import type { SigmaScheduleConfig } from './sigma-schedule-config.js';
import type { UniPCMultistepConfig } from './unipc-multistep-config.js';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2' | 'sigmoid' | 'exp';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';

/** The fields of the keys every class takes (rescale_betas_zero_snr and set_alpha_to_one: most of them). */
interface CommonConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  readonly trainedBetas: readonly number[] | null;
  readonly predictionType: PredictionType;
  readonly stepsOffset: number;
  readonly timestepSpacing: TimestepSpacing;
  /** All classes but Heun and PNDM. */
  readonly rescaleBetasZeroSnr: boolean;
  /** DDIM, PNDM, LCM: ᾱ used after the last step is 1 (true) or ᾱ_0 (false). */
  readonly setAlphaToOne: boolean;
}

/**
 * A resolved, validated scheduler configuration: diffusers' options in camelCase, with the defaults of the
 * class it was parsed for. One record for every class: each module that reads a group of keys adds their
 * fields; a class reads the fields it has, and the others hold their fallbacks (DEFAULT_SCHEDULER_CONFIG).
 */
export type SchedulerConfig = CommonConfig &
  SampleClippingConfig &
  SigmaScheduleConfig &
  MultistepConfig &
  DDPMConfig &
  DDIMConfig &
  DPMSolverMultistepConfig &
  UniPCMultistepConfig &
  EulerDiscreteConfig &
  PNDMConfig &
  LCMConfig;

/** A check of values together, run once every key is read; throws ConfigError. */
export type ConfigCheck = (config: SchedulerConfig) => void;

/** What a class declares about its config (in <class>-config.ts, beside the class). */
export interface ClassConfig {
  /**
   * Every key the class's `__init__` takes, with its default, in diffusers' order; denoise's extensions are listed
   * where they apply. test/config-defaults.test.ts checks, for every class, that these without the extensions are
   * the reference `init_signature_defaults`, key for key and in order. A key present in a
   * config but not here is ignored and reported, as diffusers' `from_config` does.
   */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** The β schedules the class builds (diffusers raises for the others, at construction or at step). */
  readonly betaSchedules: readonly BetaSchedule[];
  /** The prediction types it steps with, where not all three. */
  readonly predictionTypes?: readonly PredictionType[];
  /** Its checks of values together, in order, after the β and prediction-type checks. */
  readonly checks?: readonly ConfigCheck[];
  /**
   * The rewrites diffusers' `__init__` makes to the stored config (`register_to_config`), after the checks,
   * which see the values as given: the config that `parseSchedulerConfig` returns and `fromConfig` holds.
   */
  readonly rewrite?: ConfigRewrite;
}

/** A rewrite of values that diffusers stores differently from how they were given (see ClassConfig.rewrite). */
export type ConfigRewrite = (config: SchedulerConfig) => SchedulerConfig;

/**
 * The most training timesteps denoise takes: β and ᾱ are float64 arrays of this length, and a plan over them
 * is allocated eagerly, so an absurd value (1e9) would allocate gigabytes before failing. Real models use 1000.
 */
export const MAX_TRAIN_TIMESTEPS = 100_000;

/** How one diffusers key is read into the config. */
export interface KeySpec {
  /** The field it sets, or null for a key accepted only where it changes nothing denoise does. */
  readonly field: keyof SchedulerConfig | null;
  /** A denoise extension: written by `toConfig` only when it differs from the class's default. */
  readonly extension: boolean;
  /** Other spellings of the key. */
  readonly aliases: readonly string[];
  readonly read: (key: string, value: unknown) => unknown;
}

/** diffusers' snake_case JSON keys and how each is read. */
export type KeyTable = Readonly<Record<string, KeySpec>>;

/** A key read into `field`. */
export function configKey<K extends keyof SchedulerConfig>(
  field: K,
  read: (key: string, value: unknown) => SchedulerConfig[K],
  options: { readonly extension?: boolean; readonly aliases?: readonly string[] } = {},
): KeySpec {
  return { field, read, extension: options.extension ?? false, aliases: options.aliases ?? [] };
}

/** A key whose value is checked but sets nothing (it only matters with an option that is refused). */
export function checkedKey(read: (key: string, value: unknown) => unknown): KeySpec {
  return { field: null, read, extension: false, aliases: [] };
}

/** A reader that takes only `expected`, the value that means "off"; anything else names what it is not. */
export function onlyValue<T>(expected: T, why: string) {
  return (key: string, value: unknown): T => {
    if (value !== expected) throw new ConfigError(key, value, `${JSON.stringify(expected)} (${why})`);
    return expected;
  };
}

export function readNumber(key: string, value: unknown, allowed: string, ok: (v: number) => boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new ConfigError(key, value, allowed);
  }
  return value;
}

export const positive = (key: string, v: unknown): number => readNumber(key, v, 'a finite number > 0', (x) => x > 0);
const unitInterval = (key: string, v: unknown): number =>
  readNumber(key, v, 'a finite number in [0, 1]', (x) => x >= 0 && x <= 1);

export function readBoolean(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(key, value, 'true or false');
  return value;
}

export function readInteger(min: number, max = Infinity) {
  const allowed = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  return (key: string, value: unknown): number =>
    readNumber(key, value, allowed, (x) => Number.isInteger(x) && x >= min && x <= max);
}

export function readLiteral<T extends string>(options: readonly T[]) {
  return (key: string, value: unknown): T => {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      throw new ConfigError(key, value, `one of ${options.map((o) => `'${o}'`).join(', ')}`);
    }
    return value as T;
  };
}

export function nullable<T>(read: (key: string, value: unknown) => T) {
  return (key: string, value: unknown): T | null => (value === null ? null : read(key, value));
}

/** Any number or −∞: Python's json writes `-Infinity`, which JSON cannot hold, so the string is taken too. */
export function readNumberOrMinusInfinity(key: string, value: unknown): number {
  if (value === '-Infinity' || value === -Infinity) return -Infinity;
  return readNumber(key, value, 'a finite number or -Infinity', () => true);
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

export const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'sigmoid', 'exp'];
/** The β schedules every class builds; DDPM and DDIM add sigmoid, Heun adds exp. */
export const BASIC_BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

export const COMMON_KEYS: KeyTable = {
  num_train_timesteps: configKey('numTrainTimesteps', readInteger(1, MAX_TRAIN_TIMESTEPS)),
  beta_start: configKey('betaStart', unitInterval),
  beta_end: configKey('betaEnd', unitInterval),
  beta_schedule: configKey('betaSchedule', readLiteral(BETA_SCHEDULES)),
  trained_betas: configKey('trainedBetas', readTrainedBetas),
  set_alpha_to_one: configKey('setAlphaToOne', readBoolean),
  steps_offset: configKey('stepsOffset', readInteger(0)),
  prediction_type: configKey('predictionType', readLiteral(PREDICTION_TYPES)),
  timestep_spacing: configKey('timestepSpacing', readLiteral(SPACINGS)),
  rescale_betas_zero_snr: configKey('rescaleBetasZeroSnr', readBoolean),
};

/** The fallbacks of the common fields: diffusers' DDPM/DDIM defaults. */
export const COMMON_FALLBACK: CommonConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  predictionType: 'epsilon',
  stepsOffset: 0,
  timestepSpacing: 'leading',
  rescaleBetasZeroSnr: false,
  setAlphaToOne: true,
};

/** The first five `__init__` parameters of every class, with diffusers' defaults (Heun and LCM change the β). */
export const COMMON_DEFAULTS = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  trained_betas: null,
} as const;

/**
 * Refuses zero terminal SNR with epsilon prediction where x0 = (x_t − √(1−ᾱ)·ε)/√ᾱ divides by ᾱ_T = 0 (DDPM,
 * DDIM, LCM). diffusers returns ±Infinity there; denoise refuses the combination instead (Lin et al. 2023 pair
 * it with v-prediction). The σ-parameterised schedulers clamp ᾱ_T to 2^−24 as diffusers does, so they take it.
 */
export function refuseZeroSnrWithEpsilon(config: SchedulerConfig): void {
  if (config.rescaleBetasZeroSnr && config.predictionType === 'epsilon') {
    throw new ConfigError(
      'prediction_type',
      config.predictionType,
      "'v_prediction' or 'sample' when rescale_betas_zero_snr is true (epsilon cannot recover x0 at zero terminal SNR)",
    );
  }
}

/**
 * Keys that diffusers schedulers denoise does not implement write into `scheduler_config.json` (EDM,
 * flow matching, …). They are accepted, so such a config loads, and reported in `ignoredKeys`.
 * Any other key is a typo or an unknown option and is rejected.
 */
const FOREIGN_KEYS: ReadonlySet<string> = new Set([
  'sigma_data', 'sigma_schedule', 'rho', 's_noise', 'shift',
  'base_shift', 'max_shift', 'base_image_seq_len', 'max_image_seq_len', 'invert_sigmas', 'noise_sampler_seed',
  'clip_denoised', 'stochastic_sampling', 'sde_type', 'snr_shift_scale', 'rescale_zero_terminal_snr',
]);

export interface ParsedSchedulerConfig {
  readonly config: SchedulerConfig;
  /** Keys present in the input that the scheduler does not use (other schedulers' options). */
  readonly ignoredKeys: readonly string[];
}

/** What a config is read for: one class, or any class (every key read). */
export interface ConfigTarget {
  /** Named in messages: the class, or 'scheduler'. */
  readonly label: string;
  /** The keys read, in diffusers' order; the other known keys are ignored and reported. */
  readonly keys: readonly string[];
  /** The config the input's values go over: the class's defaults, or the fallbacks. */
  readonly start: SchedulerConfig;
  readonly betaSchedules: readonly BetaSchedule[];
  readonly predictionTypes?: readonly PredictionType[] | undefined;
  readonly checks: readonly ConfigCheck[];
  /** Applied after the checks (see ClassConfig.rewrite). */
  readonly rewrite?: ConfigRewrite | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads `value` for `key` and sets its field, if it has one. */
export function assignKey(config: Mutable<SchedulerConfig>, spec: KeySpec, key: string, value: unknown): void {
  const read = spec.read(key, value);
  if (spec.field !== null) (config as Record<string, unknown>)[spec.field] = read;
}

/**
 * Reads a diffusers `scheduler_config.json` object (snake_case keys, `_class_name` etc.) for `target`: validates
 * every value once over the target's defaults, then the values together, then applies the target's rewrites
 * (diffusers' stored config). `known` holds every key of every class
 * (with their aliases), so a key of another class is told from a typo. Keys starting with `_` are diffusers
 * metadata and are skipped. Throws ConfigError naming the key, the value and what is allowed.
 */
export function readSchedulerConfig(input: unknown, known: KeyTable, target: ConfigTarget): ParsedSchedulerConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const got = Array.isArray(input) ? 'an array' : input;
    throw new ConfigError('scheduler_config', got, 'a JSON object of diffusers scheduler options');
  }
  const aliases = new Map<string, string>();
  for (const [key, spec] of Object.entries(known)) for (const alias of spec.aliases) aliases.set(alias, key);
  const config: Mutable<SchedulerConfig> = { ...target.start };
  const ignoredKeys: string[] = [];
  const seen = new Map<string, string>();
  for (const [rawKey, value] of Object.entries(input as Record<string, unknown>)) {
    if (rawKey.startsWith('_')) continue;
    const key = aliases.get(rawKey) ?? rawKey;
    const spec = known[key];
    if (spec === undefined) {
      if (FOREIGN_KEYS.has(key)) {
        ignoredKeys.push(rawKey);
        continue;
      }
      throw new ConfigError(rawKey, value, `a diffusers ${target.label} option: ${target.keys.join(', ')}`);
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new ConfigError(rawKey, value, `only one of ${earlier} and ${rawKey}`);
    seen.set(key, rawKey);
    if (!target.keys.includes(key)) {
      ignoredKeys.push(rawKey);
      continue;
    }
    assignKey(config, spec, key, value);
  }
  checkSchedule(config, target);
  for (const check of target.checks) check(config);
  const stored = target.rewrite === undefined ? config : target.rewrite(config);
  return { config: Object.freeze(stored), ignoredKeys: Object.freeze(ignoredKeys) };
}

/** The checks every class runs: the plan's offset, the β (trained or scheduled), the prediction type. */
function checkSchedule(config: SchedulerConfig, target: ConfigTarget): void {
  if (config.stepsOffset >= config.numTrainTimesteps) {
    // Every plan starts at steps_offset or above: no timestep of it would lie in [0, num_train_timesteps).
    throw new ConfigError('steps_offset', config.stepsOffset, `an integer in [0, ${config.numTrainTimesteps - 1}] (below num_train_timesteps)`);
  }
  if (config.trainedBetas !== null) {
    if (config.trainedBetas.length !== config.numTrainTimesteps) {
      throw new ConfigError('trained_betas', config.trainedBetas, `exactly num_train_timesteps (${config.numTrainTimesteps}) betas`);
    }
  } else {
    const allowed = target.betaSchedules;
    if (!allowed.includes(config.betaSchedule)) {
      throw new ConfigError('beta_schedule', config.betaSchedule, `for ${target.label}: one of ${allowed.map((b) => `'${b}'`).join(', ')}`);
    }
    const fromAlphaBar = config.betaSchedule === 'squaredcos_cap_v2' || config.betaSchedule === 'exp';
    if (!fromAlphaBar && !(config.betaEnd > config.betaStart)) {
      throw new ConfigError('beta_end', config.betaEnd, `a value greater than beta_start (${config.betaStart})`);
    }
  }
  const predictionTypes = target.predictionTypes;
  if (predictionTypes && !predictionTypes.includes(config.predictionType)) {
    throw new ConfigError('prediction_type', config.predictionType, `for ${target.label}: one of ${predictionTypes.map((p) => `'${p}'`).join(', ')}`);
  }
}

function toJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return [...(value as readonly unknown[])];
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/**
 * Writes a config back as diffusers JSON: `_class_name` and the keys of `defaults` (the class's), in their
 * order. The denoise extensions are written only when they differ from their defaults, so a default config
 * stays a plain diffusers config. −∞ is written as the string '-Infinity'.
 */
export function writeSchedulerConfig(
  config: SchedulerConfig,
  className: string,
  defaults: Readonly<Record<string, unknown>>,
  known: KeyTable,
): Record<string, unknown> {
  const out: Record<string, unknown> = { _class_name: className };
  for (const [snake, fallback] of Object.entries(defaults)) {
    const s = known[snake]!;
    const value = s.field === null ? fallback : config[s.field];
    if (s.extension && value === fallback) continue;
    out[snake] = toJsonValue(value);
  }
  return out;
}
