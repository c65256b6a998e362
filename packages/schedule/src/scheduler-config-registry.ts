// The nine scheduler classes' configs by name: each class's keys and defaults (from its <class>-config.ts), every
// key denoise knows, the fallback of every field, and reading and writing a config for a class named in
// `_class_name` (or for any class).

import { DDIM_CONFIG, DDIM_FALLBACK, DDIM_KEYS } from './ddim-config.js';
import { DDPM_CONFIG, DDPM_FALLBACK, DDPM_KEYS } from './ddpm-config.js';
import {
  DPM_SOLVER_MULTISTEP_CONFIG,
  DPM_SOLVER_MULTISTEP_FALLBACK,
  DPM_SOLVER_MULTISTEP_KEYS,
} from './dpm-solver-multistep-config.js';
import { EULER_ANCESTRAL_DISCRETE_CONFIG } from './euler-ancestral-discrete-config.js';
import { EULER_DISCRETE_CONFIG, EULER_DISCRETE_FALLBACK, EULER_DISCRETE_KEYS } from './euler-discrete-config.js';
import { HEUN_DISCRETE_CONFIG } from './heun-discrete-config.js';
import { LCM_CONFIG, LCM_FALLBACK, LCM_KEYS } from './lcm-config.js';
import { MULTISTEP_FALLBACK, MULTISTEP_KEYS } from './multistep-config.js';
import { PNDM_CONFIG, PNDM_FALLBACK, PNDM_KEYS } from './pndm-config.js';
import { SAMPLE_CLIPPING_FALLBACK, SAMPLE_CLIPPING_KEYS } from './sample-clipping-config.js';
import {
  assignKey,
  BETA_SCHEDULES,
  COMMON_FALLBACK,
  COMMON_KEYS,
  readSchedulerConfig,
  refuseZeroSnrWithEpsilon,
  writeSchedulerConfig,
  type ClassConfig,
  type ConfigTarget,
  type KeySpec,
  type KeyTable,
  type ParsedSchedulerConfig,
  type SchedulerConfig,
} from './scheduler-config.js';
import { checkOneSigmaKind, SIGMA_SCHEDULE_FALLBACK, SIGMA_SCHEDULE_KEYS } from './sigma-schedule-config.js';
import { UNIPC_MULTISTEP_CONFIG, UNIPC_MULTISTEP_FALLBACK, UNIPC_MULTISTEP_KEYS } from './unipc-multistep-config.js';

export const SCHEDULER_CLASS_NAMES = [
  'DDPMScheduler',
  'DDIMScheduler',
  'DPMSolverMultistepScheduler',
  'UniPCMultistepScheduler',
  'EulerDiscreteScheduler',
  'EulerAncestralDiscreteScheduler',
  'HeunDiscreteScheduler',
  'PNDMScheduler',
  'LCMScheduler',
] as const;
export type SchedulerClassName = (typeof SCHEDULER_CLASS_NAMES)[number];

export function isSchedulerClassName(name: unknown): name is SchedulerClassName {
  return typeof name === 'string' && (SCHEDULER_CLASS_NAMES as readonly string[]).includes(name);
}

const CLASS_CONFIGS: Readonly<Record<SchedulerClassName, ClassConfig>> = {
  DDPMScheduler: DDPM_CONFIG,
  DDIMScheduler: DDIM_CONFIG,
  DPMSolverMultistepScheduler: DPM_SOLVER_MULTISTEP_CONFIG,
  UniPCMultistepScheduler: UNIPC_MULTISTEP_CONFIG,
  EulerDiscreteScheduler: EULER_DISCRETE_CONFIG,
  EulerAncestralDiscreteScheduler: EULER_ANCESTRAL_DISCRETE_CONFIG,
  HeunDiscreteScheduler: HEUN_DISCRETE_CONFIG,
  PNDMScheduler: PNDM_CONFIG,
  LCMScheduler: LCM_CONFIG,
};

/** Every key each class's `__init__` takes, with its default, in diffusers' order (see ClassConfig.defaults). */
export const CLASS_DEFAULTS: Readonly<Record<SchedulerClassName, Readonly<Record<string, unknown>>>> = Object.fromEntries(
  SCHEDULER_CLASS_NAMES.map((name) => [name, CLASS_CONFIGS[name].defaults]),
) as Record<SchedulerClassName, Readonly<Record<string, unknown>>>;

/** The tables of keys as one; a key defined by two tables is a mistake in them. */
function unionOf(tables: readonly KeyTable[]): KeyTable {
  const union: Record<string, KeySpec> = {};
  for (const table of tables) {
    for (const [key, spec] of Object.entries(table)) {
      if (key in union) throw new Error(`internal: scheduler config key ${key} is defined twice`);
      union[key] = spec;
    }
  }
  return union;
}

/** Every key of every class, and how it is read. */
const KNOWN_KEYS: KeyTable = unionOf([
  COMMON_KEYS,
  SAMPLE_CLIPPING_KEYS,
  SIGMA_SCHEDULE_KEYS,
  MULTISTEP_KEYS,
  DDPM_KEYS,
  DDIM_KEYS,
  DPM_SOLVER_MULTISTEP_KEYS,
  UNIPC_MULTISTEP_KEYS,
  EULER_DISCRETE_KEYS,
  PNDM_KEYS,
  LCM_KEYS,
]);

/**
 * What every field holds where its class does not take the key, and in a config read for no class: the
 * fallbacks that each module declares beside its keys (diffusers' DDPM/DDIM defaults where those classes take the
 * key, denoise's extensions at diffusers' behaviour).
 */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = Object.freeze({
  ...COMMON_FALLBACK,
  ...SAMPLE_CLIPPING_FALLBACK,
  ...SIGMA_SCHEDULE_FALLBACK,
  ...MULTISTEP_FALLBACK,
  ...DDPM_FALLBACK,
  ...DDIM_FALLBACK,
  ...DPM_SOLVER_MULTISTEP_FALLBACK,
  ...UNIPC_MULTISTEP_FALLBACK,
  ...EULER_DISCRETE_FALLBACK,
  ...PNDM_FALLBACK,
  ...LCM_FALLBACK,
});

/** A config read for no class: every key of every class over the fallbacks, checked as strictly as any class would. */
const ANY_CLASS: ConfigTarget = {
  label: 'scheduler',
  keys: Object.keys(KNOWN_KEYS),
  start: DEFAULT_SCHEDULER_CONFIG,
  betaSchedules: BETA_SCHEDULES,
  checks: [refuseZeroSnrWithEpsilon, checkOneSigmaKind],
};

/** The resolved defaults of one class: DEFAULT_SCHEDULER_CONFIG overlaid with the class's `__init__` defaults. */
export function defaultConfigOf(className: SchedulerClassName): SchedulerConfig {
  const config = { ...DEFAULT_SCHEDULER_CONFIG };
  for (const [key, value] of Object.entries(CLASS_CONFIGS[className].defaults)) assignKey(config, KNOWN_KEYS[key]!, key, value);
  return Object.freeze(config);
}

function targetOf(className: SchedulerClassName): ConfigTarget {
  const { defaults, betaSchedules, predictionTypes, checks = [], rewrite } = CLASS_CONFIGS[className];
  return { label: className, keys: Object.keys(defaults), start: defaultConfigOf(className), betaSchedules, predictionTypes, checks, rewrite };
}

export interface ParseSchedulerConfigOptions {
  /**
   * The class the config is read for: its defaults apply, and keys it does not take (other classes'
   * options) are reported in `ignoredKeys`, as diffusers' `from_config` ignores them. Without it, every
   * key of every class is validated and applied over DEFAULT_SCHEDULER_CONFIG (a check of the file alone).
   */
  readonly scheduler?: SchedulerClassName;
}

/**
 * Reads a diffusers `scheduler_config.json` object (snake_case keys, `_class_name` etc.), validates every
 * value once and applies the defaults. Keys starting with `_` are diffusers metadata and are skipped.
 * With `scheduler`, the class's own checks and rewrites apply too, so the result is the config
 * `fromConfig` holds (DPM-Solver's `deis` is 'dpmsolver++', UniPC's `midpoint` is 'bh2', …) and what
 * `fromConfig` refuses is refused here with the same ConfigError.
 * Throws ConfigError naming the key, the value and what is allowed.
 */
export function parseSchedulerConfig(input: unknown, options: ParseSchedulerConfigOptions = {}): ParsedSchedulerConfig {
  const target = options.scheduler === undefined ? ANY_CLASS : targetOf(options.scheduler);
  return readSchedulerConfig(input, KNOWN_KEYS, target);
}

/**
 * Writes a config back as diffusers JSON: `_class_name` and the keys that `className` takes, in diffusers'
 * order. The denoise extensions (`eta`, `prev_timestep`, …) are written only when they differ from their
 * defaults, so a default config stays a plain diffusers config. −∞ is written as the string '-Infinity'.
 */
export function schedulerConfigToJson(config: SchedulerConfig, className: SchedulerClassName): Record<string, unknown> {
  return writeSchedulerConfig(config, className, CLASS_CONFIGS[className].defaults, KNOWN_KEYS);
}
