import { InputError, SAMPLER_KINDS, type SamplerKind } from '@denoise/sampler';

/**
 * How the activation ranges of an int8 graph are measured, over every model call of the calibration runs:
 * 'minmax': the smallest and largest value seen.
 * 'percentile': per call, the 0.01th and 99.99th percentiles of the values (a 4096-bin histogram between that call's
 * min and max); the range is their envelope over the calls (lowest low, highest high), so a rare outlier value is
 * clipped while no timestep's bulk of values is.
 */
export const INT8_CALIBRATION_METHODS = ['minmax', 'percentile'] as const;
export type Int8CalibrationMethod = (typeof INT8_CALIBRATION_METHODS)[number];

export type LoadPrecision = 'float32' | 'int8';
export const LOAD_PRECISIONS: readonly LoadPrecision[] = ['float32', 'int8'];

/** Calibration of an int8 model: seeded sampling runs of the model's own scheduler config, batch 1. */
export interface Int8Options {
  /** Default 'percentile'. */
  readonly method?: Int8CalibrationMethod;
  /** Sampling runs (seeds seed, seed + 1, …); default 4. */
  readonly runs?: number;
  /** Inference steps per run; default 10. */
  readonly steps?: number;
  /** Seed of the first run; default 0. */
  readonly seed?: number;
  /** The sampler the runs use, from the model's scheduler config; default 'ddim'. */
  readonly sampler?: SamplerKind;
  /** Where calibrations are cached; default `<denoise cache>/int8-calibration`. */
  readonly cacheDir?: string;
  /** Progress lines (calibrating, a cache file that could not be read). */
  readonly log?: (line: string) => void;
}

/** Int8Options resolved: the calibration settings that key the cache, and the rest. */
export interface Int8Config {
  readonly method: Int8CalibrationMethod;
  readonly runs: number;
  readonly steps: number;
  readonly seed: number;
  readonly sampler: SamplerKind;
  readonly cacheDir?: string;
  readonly log?: (line: string) => void;
}

const DEFAULTS = { method: 'percentile', runs: 4, steps: 10, seed: 0, sampler: 'ddim' } as const satisfies Omit<Int8Config, 'cacheDir' | 'log'>;
const KEYS: ReadonlySet<string> = new Set(['method', 'runs', 'steps', 'seed', 'sampler', 'cacheDir', 'log']);

/** Checks the `int8` load options once, naming the option, the value and what is allowed. */
export function parseInt8Options(input: unknown): Int8Config {
  if (input === undefined) return DEFAULTS;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InputError('int8', input, 'an object of calibration options', `int8 options must be an object, got ${describe(input)}`);
  }
  const options = input as Record<string, unknown>;
  const unknown = Object.keys(options).find((key) => !KEYS.has(key));
  if (unknown !== undefined) throw new InputError(`int8.${unknown}`, options[unknown], [...KEYS].join(', '), `unknown int8 option '${unknown}'; allowed: ${[...KEYS].join(', ')}`);
  const choice = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    throw new InputError(`int8.${key}`, value, allowed.join(', '), `int8.${key} must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  };
  const integer = (key: string, min: number, fallback: number): number => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
    throw new InputError(`int8.${key}`, value, `an integer ≥ ${min}`, `int8.${key} must be an integer ≥ ${min}, got ${describe(value)}`);
  };
  const { cacheDir, log } = options;
  if (cacheDir !== undefined && (typeof cacheDir !== 'string' || cacheDir === '')) {
    throw new InputError('int8.cacheDir', cacheDir, 'a folder path', `int8.cacheDir must be a folder path, got ${describe(cacheDir)}`);
  }
  if (log !== undefined && typeof log !== 'function') throw new InputError('int8.log', log, 'a function', `int8.log must be a function, got ${describe(log)}`);
  return {
    method: choice('method', INT8_CALIBRATION_METHODS, DEFAULTS.method),
    runs: integer('runs', 1, DEFAULTS.runs),
    steps: integer('steps', 1, DEFAULTS.steps),
    seed: integer('seed', 0, DEFAULTS.seed),
    sampler: choice('sampler', SAMPLER_KINDS, DEFAULTS.sampler),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
    ...(log !== undefined ? { log: log as (line: string) => void } : {}),
  };
}

/** Checks `precision`, naming the option. */
export function parsePrecision(input: unknown): LoadPrecision {
  if (input === undefined) return 'float32';
  if (typeof input === 'string' && (LOAD_PRECISIONS as readonly string[]).includes(input)) return input as LoadPrecision;
  throw new InputError('precision', input, LOAD_PRECISIONS.join(', '), `precision must be one of ${LOAD_PRECISIONS.join(', ')}, got ${describe(input)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'function' ? 'a function' : JSON.stringify(value) ?? String(value);
}
