import { ConfigError } from './config-error.js';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2' | 'sigmoid' | 'exp';
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
 * PNDM has the same flaw as DDIM and takes the same option.
 */
export type PrevTimestepPolicy = 'diffusers' | 'schedule';
/**
 * What a DPM-Solver or UniPC step between two equal σ (h = 0) does: the last step of Karras sigmas with
 * final_sigmas_type 'sigma_min', whose last two σ are both σ_min. A denoise extension (JSON key `equal_sigma_step`).
 * - `'diffusers'` (default): diffusers' formulas, which give the sample back at order 1 and for the order-2
 *   midpoint update, but NaN (0/0) at order 3 and for the order-2 heun update (UniPC: NaN at order 3).
 * - `'identity'`: the sample unchanged at every order, the exact solution of a zero-length step.
 */
export type EqualSigmaStep = 'diffusers' | 'identity';
/**
 * What a UniPC predictor step into σ = 0 (final_sigmas_type 'zero') does. A denoise extension (JSON key
 * `zero_sigma_step`).
 * - `'diffusers'` (default): diffusers' formulas, where λ = +∞: NaN with solver_type bh1 (B(h) = −∞ times 0)
 *   and with predict_x0 false, ±∞/NaN at order 2 and a singular ρ system at order 3 (lower_order_final false).
 * - `'limit'`: the σ_t → 0 limit of the first-order update at any order: the x0 estimate from the (corrected)
 *   sample, as DPM-Solver's forced first-order final step gives.
 */
export type ZeroSigmaStep = 'diffusers' | 'limit';
/** DPM-Solver's algorithm (`deis` is accepted and rewritten to dpmsolver++, as diffusers does). */
export type DpmAlgorithmType = 'dpmsolver++' | 'sde-dpmsolver++' | 'dpmsolver' | 'sde-dpmsolver' | 'deis';
/** DPM-Solver: midpoint | heun (logrho, bh1, bh2 become midpoint); UniPC: bh1 | bh2 (midpoint, heun, logrho become bh2). */
export type SolverType = 'midpoint' | 'heun' | 'logrho' | 'bh1' | 'bh2';
export type FinalSigmasType = 'zero' | 'sigma_min';
export type InterpolationType = 'linear' | 'log_linear';

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

/**
 * A resolved, validated scheduler configuration: diffusers' options in camelCase, with the defaults of the
 * class it was parsed for. One record for every class; a class reads the fields it has (see CLASS_DEFAULTS).
 */
export interface SchedulerConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  readonly trainedBetas: readonly number[] | null;
  readonly predictionType: PredictionType;
  /** DDPM; DPM-Solver reads learned / learned_range (model output of 2C channels) and ignores the rest. */
  readonly varianceType: VarianceType | null;
  /** DDPM, DDIM, Heun. */
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  /** DDIM, PNDM: ᾱ used after the last step is 1 (true) or ᾱ_0 (false). */
  readonly setAlphaToOne: boolean;
  readonly stepsOffset: number;
  readonly timestepSpacing: TimestepSpacing;
  /** DDPM, DDIM, DPM-Solver, UniPC. */
  readonly thresholding: boolean;
  readonly dynamicThresholdingRatio: number;
  readonly sampleMaxValue: number;
  readonly rescaleBetasZeroSnr: boolean;
  /** DDIM only, a denoise extension (JSON key `eta`): the η used when `step` is given none. */
  readonly eta: number;
  /** DDIM and PNDM, a denoise extension (JSON key `prev_timestep`). */
  readonly prevTimestep: PrevTimestepPolicy;
  /** DPM-Solver, UniPC, a denoise extension (JSON key `equal_sigma_step`). */
  readonly equalSigmaStep: EqualSigmaStep;
  /** UniPC, a denoise extension (JSON key `zero_sigma_step`). */
  readonly zeroSigmaStep: ZeroSigmaStep;
  /** DPM-Solver, UniPC. */
  readonly solverOrder: number;
  readonly solverType: SolverType;
  readonly lowerOrderFinal: boolean;
  readonly finalSigmasType: FinalSigmasType;
  /** DPM-Solver. */
  readonly algorithmType: DpmAlgorithmType;
  readonly eulerAtFinal: boolean;
  readonly useLuLambdas: boolean;
  readonly lambdaMinClipped: number;
  /** DPM-Solver, UniPC, Euler, Heun. */
  readonly useKarrasSigmas: boolean;
  readonly useExponentialSigmas: boolean;
  /** Always false: beta sigmas need the Beta distribution's inverse CDF, which denoise does not implement. */
  readonly useBetaSigmas: boolean;
  /** UniPC. */
  readonly predictX0: boolean;
  readonly disableCorrector: readonly number[];
  /** Euler, UniPC: override the Karras σ range. */
  readonly sigmaMin: number | null;
  readonly sigmaMax: number | null;
  /** Euler. */
  readonly interpolationType: InterpolationType;
  /** PNDM. */
  readonly skipPrkSteps: boolean;
  /**
   * LCM: the length of the schedule the model was distilled on (the paper's N with skipping step k = N_train // N);
   * its timesteps are drawn from that schedule. diffusers' `set_timesteps(original_inference_steps=…)` argument
   * means the same as this key, so a pipeline's argument becomes an override of it.
   */
  readonly originalInferenceSteps: number;
  /** LCM: the factor t is multiplied by in the boundary-condition scalings c_skip and c_out. */
  readonly timestepScaling: number;
}

/** The defaults, in one place: diffusers' DDIM/DDPM `__init__` defaults plus denoise's two extensions. */
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
  equalSigmaStep: 'diffusers',
  zeroSigmaStep: 'diffusers',
  solverOrder: 2,
  solverType: 'midpoint',
  lowerOrderFinal: true,
  finalSigmasType: 'zero',
  algorithmType: 'dpmsolver++',
  eulerAtFinal: false,
  useLuLambdas: false,
  lambdaMinClipped: -Infinity,
  useKarrasSigmas: false,
  useExponentialSigmas: false,
  useBetaSigmas: false,
  predictX0: true,
  disableCorrector: Object.freeze([]) as readonly number[],
  sigmaMin: null,
  sigmaMax: null,
  interpolationType: 'linear',
  skipPrkSteps: false,
  originalInferenceSteps: 50,
  timestepScaling: 10,
});

const COMMON = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  trained_betas: null,
} as const;
const THRESHOLDING = { thresholding: false, dynamic_thresholding_ratio: 0.995, sample_max_value: 1.0 } as const;
const SIGMA_KINDS = { use_karras_sigmas: false, use_exponential_sigmas: false, use_beta_sigmas: false } as const;

/**
 * Every key each class's `__init__` takes, with its default, in diffusers' order (checked against the
 * reference `init_signature_defaults`). A key present in a config but not in its class's table is ignored
 * and reported, as diffusers' `from_config` does; denoise's extensions (eta, prev_timestep) are listed
 * where they apply.
 */
export const CLASS_DEFAULTS: Readonly<Record<SchedulerClassName, Readonly<Record<string, unknown>>>> = {
  DDPMScheduler: {
    ...COMMON, variance_type: 'fixed_small', clip_sample: true, prediction_type: 'epsilon', ...THRESHOLDING,
    clip_sample_range: 1.0, timestep_spacing: 'leading', steps_offset: 0, rescale_betas_zero_snr: false,
  },
  DDIMScheduler: {
    ...COMMON, clip_sample: true, set_alpha_to_one: true, steps_offset: 0, prediction_type: 'epsilon', ...THRESHOLDING,
    clip_sample_range: 1.0, timestep_spacing: 'leading', rescale_betas_zero_snr: false, eta: 0, prev_timestep: 'diffusers',
  },
  DPMSolverMultistepScheduler: {
    ...COMMON, solver_order: 2, prediction_type: 'epsilon', ...THRESHOLDING, algorithm_type: 'dpmsolver++',
    solver_type: 'midpoint', lower_order_final: true, euler_at_final: false, ...SIGMA_KINDS, use_lu_lambdas: false,
    use_flow_sigmas: false, flow_shift: 1.0, final_sigmas_type: 'zero', lambda_min_clipped: -Infinity,
    variance_type: null, timestep_spacing: 'linspace', steps_offset: 0, rescale_betas_zero_snr: false,
    use_dynamic_shifting: false, time_shift_type: 'exponential', equal_sigma_step: 'diffusers',
  },
  UniPCMultistepScheduler: {
    ...COMMON, solver_order: 2, prediction_type: 'epsilon', ...THRESHOLDING, predict_x0: true, solver_type: 'bh2',
    lower_order_final: true, disable_corrector: [], solver_p: null, ...SIGMA_KINDS, use_flow_sigmas: false,
    flow_shift: 1.0, timestep_spacing: 'linspace', steps_offset: 0, final_sigmas_type: 'zero',
    rescale_betas_zero_snr: false, use_dynamic_shifting: false, time_shift_type: 'exponential', sigma_min: null,
    sigma_max: null, shift_terminal: null, equal_sigma_step: 'diffusers', zero_sigma_step: 'diffusers',
  },
  EulerDiscreteScheduler: {
    ...COMMON, prediction_type: 'epsilon', interpolation_type: 'linear', ...SIGMA_KINDS, sigma_min: null,
    sigma_max: null, timestep_spacing: 'linspace', timestep_type: 'discrete', steps_offset: 0,
    rescale_betas_zero_snr: false, final_sigmas_type: 'zero',
  },
  EulerAncestralDiscreteScheduler: {
    ...COMMON, prediction_type: 'epsilon', timestep_spacing: 'linspace', steps_offset: 0, rescale_betas_zero_snr: false,
  },
  HeunDiscreteScheduler: {
    ...COMMON, beta_start: 0.00085, beta_end: 0.012, prediction_type: 'epsilon', ...SIGMA_KINDS, clip_sample: false,
    clip_sample_range: 1.0, timestep_spacing: 'linspace', steps_offset: 0,
  },
  PNDMScheduler: {
    ...COMMON, skip_prk_steps: false, set_alpha_to_one: false, prediction_type: 'epsilon', timestep_spacing: 'leading',
    steps_offset: 0, prev_timestep: 'diffusers',
  },
  LCMScheduler: {
    ...COMMON, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', original_inference_steps: 50,
    clip_sample: false, clip_sample_range: 1.0, set_alpha_to_one: true, steps_offset: 0, prediction_type: 'epsilon',
    ...THRESHOLDING, timestep_spacing: 'leading', timestep_scaling: 10.0, rescale_betas_zero_snr: false,
  },
};


/** What each class refuses among otherwise valid values (diffusers raises for these, at construction or at step). */
const BETA_SCHEDULES_OF: Readonly<Record<SchedulerClassName, readonly BetaSchedule[]>> = {
  DDPMScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'sigmoid'],
  DDIMScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'sigmoid'],
  DPMSolverMultistepScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
  UniPCMultistepScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
  EulerDiscreteScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
  EulerAncestralDiscreteScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
  HeunDiscreteScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'exp'],
  PNDMScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
  LCMScheduler: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
};
const PREDICTION_TYPES_OF: Readonly<Partial<Record<SchedulerClassName, readonly PredictionType[]>>> = {
  EulerAncestralDiscreteScheduler: ['epsilon', 'v_prediction'],
  PNDMScheduler: ['epsilon', 'v_prediction'],
};

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'sigmoid', 'exp'];
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
const EQUAL_SIGMA_STEPS: readonly EqualSigmaStep[] = ['diffusers', 'identity'];
const ZERO_SIGMA_STEPS: readonly ZeroSigmaStep[] = ['diffusers', 'limit'];
const ALGORITHM_TYPES: readonly DpmAlgorithmType[] = ['dpmsolver++', 'sde-dpmsolver++', 'dpmsolver', 'sde-dpmsolver', 'deis'];
const SOLVER_TYPES: readonly SolverType[] = ['midpoint', 'heun', 'logrho', 'bh1', 'bh2'];
const FINAL_SIGMAS_TYPES: readonly FinalSigmasType[] = ['zero', 'sigma_min'];
const INTERPOLATION_TYPES: readonly InterpolationType[] = ['linear', 'log_linear'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface KeySpec<K extends keyof SchedulerConfig> {
  /** The config field, or null for a key accepted only at its default (it changes nothing denoise does). */
  readonly field: K | null;
  /** Only written by `toConfig` when the value differs from the default (denoise extensions). */
  readonly extension: boolean;
  readonly read: (key: string, value: unknown) => SchedulerConfig[K];
}

function spec<K extends keyof SchedulerConfig>(
  field: K,
  read: (key: string, value: unknown) => SchedulerConfig[K],
  extension = false,
): KeySpec<K> {
  return { field, read, extension };
}

/** A key denoise accepts only with the value that means "off": anything else names what it is not. */
function onlyDefault(expected: unknown, why: string): KeySpec<never> {
  return {
    field: null,
    extension: false,
    read: (key, value) => {
      if (value !== expected) throw new ConfigError(key, value, `${JSON.stringify(expected)} (${why})`);
      return undefined as never;
    },
  };
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

function readInteger(min: number, max = Infinity) {
  const allowed = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  return (key: string, value: unknown): number =>
    readNumber(key, value, allowed, (x) => Number.isInteger(x) && x >= min && x <= max);
}

function readLiteral<T extends string>(options: readonly T[]) {
  return (key: string, value: unknown): T => {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      throw new ConfigError(key, value, `one of ${options.map((o) => `'${o}'`).join(', ')}`);
    }
    return value as T;
  };
}

function nullable<T>(read: (key: string, value: unknown) => T) {
  return (key: string, value: unknown): T | null => (value === null ? null : read(key, value));
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

/** λ_min clip: any number or −∞ (diffusers writes `-Infinity`, which JSON cannot hold; the string is accepted too). */
function readLambdaMinClipped(key: string, value: unknown): number {
  if (value === '-Infinity' || value === -Infinity) return -Infinity;
  return readNumber(key, value, 'a finite number or -Infinity', () => true);
}

function readStepIndexList(key: string, value: unknown): readonly number[] {
  const allowed = 'an array of step indices (integers >= 0)';
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new ConfigError(key, value, allowed);
  }
  return Object.freeze([...(value as number[])]);
}

/**
 * The most training timesteps denoise takes: β and ᾱ are float64 arrays of this length, and a plan over them
 * is allocated eagerly, so an absurd value (1e9) would allocate gigabytes before failing. Real models use 1000.
 */
export const MAX_TRAIN_TIMESTEPS = 100_000;

/** diffusers' snake_case JSON keys and how each is read (which classes take a key: CLASS_DEFAULTS). */
const KEY_SPECS: Readonly<Record<string, KeySpec<keyof SchedulerConfig>>> = {
  num_train_timesteps: spec('numTrainTimesteps', readInteger(1, MAX_TRAIN_TIMESTEPS)),
  beta_start: spec('betaStart', unitInterval),
  beta_end: spec('betaEnd', unitInterval),
  beta_schedule: spec('betaSchedule', readLiteral(BETA_SCHEDULES)),
  trained_betas: spec('trainedBetas', readTrainedBetas),
  variance_type: spec('varianceType', nullable(readLiteral(VARIANCE_TYPES))),
  clip_sample: spec('clipSample', readBoolean),
  set_alpha_to_one: spec('setAlphaToOne', readBoolean),
  steps_offset: spec('stepsOffset', readInteger(0)),
  prediction_type: spec('predictionType', readLiteral(PREDICTION_TYPES)),
  thresholding: spec('thresholding', readBoolean),
  dynamic_thresholding_ratio: spec('dynamicThresholdingRatio', (k, v) =>
    readNumber(k, v, 'a finite number in (0, 1]', (x) => x > 0 && x <= 1),
  ),
  clip_sample_range: spec('clipSampleRange', positive),
  sample_max_value: spec('sampleMaxValue', positive),
  timestep_spacing: spec('timestepSpacing', readLiteral(SPACINGS)),
  rescale_betas_zero_snr: spec('rescaleBetasZeroSnr', readBoolean),
  eta: spec('eta', (k, v) => readNumber(k, v, 'a finite number >= 0', (x) => x >= 0), true),
  prev_timestep: spec('prevTimestep', readLiteral(PREV_TIMESTEP_POLICIES), true),
  equal_sigma_step: spec('equalSigmaStep', readLiteral(EQUAL_SIGMA_STEPS), true),
  zero_sigma_step: spec('zeroSigmaStep', readLiteral(ZERO_SIGMA_STEPS), true),
  solver_order: spec('solverOrder', readInteger(1, 3)),
  solver_type: spec('solverType', readLiteral(SOLVER_TYPES)),
  lower_order_final: spec('lowerOrderFinal', readBoolean),
  final_sigmas_type: spec('finalSigmasType', readLiteral(FINAL_SIGMAS_TYPES)),
  algorithm_type: spec('algorithmType', readLiteral(ALGORITHM_TYPES)),
  euler_at_final: spec('eulerAtFinal', readBoolean),
  use_lu_lambdas: spec('useLuLambdas', readBoolean),
  lambda_min_clipped: spec('lambdaMinClipped', readLambdaMinClipped),
  use_karras_sigmas: spec('useKarrasSigmas', readBoolean),
  use_exponential_sigmas: spec('useExponentialSigmas', readBoolean),
  use_beta_sigmas: onlyDefault(false, 'beta sigmas need scipy.stats.beta.ppf, which denoise does not implement'),
  predict_x0: spec('predictX0', readBoolean),
  disable_corrector: spec('disableCorrector', readStepIndexList),
  sigma_min: spec('sigmaMin', nullable(positive)),
  sigma_max: spec('sigmaMax', nullable(positive)),
  interpolation_type: spec('interpolationType', readLiteral(INTERPOLATION_TYPES)),
  skip_prk_steps: spec('skipPrkSteps', readBoolean),
  original_inference_steps: spec('originalInferenceSteps', readInteger(1, MAX_TRAIN_TIMESTEPS)),
  timestep_scaling: spec('timestepScaling', positive),
  solver_p: onlyDefault(null, 'a separate solver for the predictor is not supported'),
  use_flow_sigmas: onlyDefault(false, 'flow-matching sigmas are not supported'),
  flow_shift: { field: null, extension: false, read: (k, v) => (readNumber(k, v, 'a finite number', () => true), undefined as never) },
  use_dynamic_shifting: onlyDefault(false, 'dynamic shifting (flow matching) is not supported'),
  time_shift_type: { field: null, extension: false, read: (k, v) => (readLiteral(['exponential', 'linear'])(k, v), undefined as never) },
  shift_terminal: onlyDefault(null, 'flow matching is not supported'),
  timestep_type: onlyDefault('discrete', "'continuous' (EDM-style) timesteps are not supported"),
};

/** Spellings accepted for a key besides its snake_case name. */
const KEY_ALIASES: Readonly<Record<string, string>> = { prevTimestep: 'prev_timestep' };

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


export interface ParseSchedulerConfigOptions {
  /**
   * The class the config is read for: its defaults apply, and keys it does not take (other classes'
   * options) are reported in `ignoredKeys`, as diffusers' `from_config` ignores them. Without it, every
   * key of every class is validated and applied over DEFAULT_SCHEDULER_CONFIG (a check of the file alone).
   */
  readonly scheduler?: SchedulerClassName;
}

export interface ParsedSchedulerConfig {
  readonly config: SchedulerConfig;
  /** Keys present in the input that the scheduler does not use (other schedulers' options). */
  readonly ignoredKeys: readonly string[];
}

function assign(config: Mutable<SchedulerConfig>, key: string, value: unknown): void {
  const keySpec = KEY_SPECS[key]!;
  const read = keySpec.read(key, value);
  if (keySpec.field !== null) (config as Record<string, unknown>)[keySpec.field] = read;
}

/** The resolved defaults of one class: DEFAULT_SCHEDULER_CONFIG overlaid with the class's `__init__` defaults. */
export function defaultConfigOf(className: SchedulerClassName): SchedulerConfig {
  const config: Mutable<SchedulerConfig> = { ...DEFAULT_SCHEDULER_CONFIG };
  for (const [key, value] of Object.entries(CLASS_DEFAULTS[className])) assign(config, key, value);
  return Object.freeze(config);
}

/**
 * Reads a diffusers `scheduler_config.json` object (snake_case keys, `_class_name` etc.), validates every
 * value once and applies the defaults. Keys starting with `_` are diffusers metadata and are skipped.
 * Throws ConfigError naming the key, the value and what is allowed.
 */
export function parseSchedulerConfig(input: unknown, options: ParseSchedulerConfigOptions = {}): ParsedSchedulerConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const got = Array.isArray(input) ? 'an array' : input;
    throw new ConfigError('scheduler_config', got, 'a JSON object of diffusers scheduler options');
  }
  const className = options.scheduler;
  const config: Mutable<SchedulerConfig> = className ? { ...defaultConfigOf(className) } : { ...DEFAULT_SCHEDULER_CONFIG };
  const classKeys = className ? CLASS_DEFAULTS[className] : undefined;
  const ignoredKeys: string[] = [];
  const seen = new Map<string, string>();
  for (const [rawKey, value] of Object.entries(input as Record<string, unknown>)) {
    if (rawKey.startsWith('_')) continue;
    const key = KEY_ALIASES[rawKey] ?? rawKey;
    if (KEY_SPECS[key] === undefined) {
      if (FOREIGN_KEYS.has(key)) {
        ignoredKeys.push(rawKey);
        continue;
      }
      const known = classKeys ? Object.keys(classKeys) : Object.keys(KEY_SPECS);
      throw new ConfigError(rawKey, value, `a diffusers ${className ?? 'scheduler'} option: ${known.join(', ')}`);
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new ConfigError(rawKey, value, `only one of ${earlier} and ${rawKey}`);
    seen.set(key, rawKey);
    if (classKeys !== undefined && !(key in classKeys)) {
      ignoredKeys.push(rawKey);
      continue;
    }
    assign(config, key, value);
  }
  checkCombinations(config, className);
  return { config: Object.freeze(config), ignoredKeys: Object.freeze(ignoredKeys) };
}

function checkCombinations(config: SchedulerConfig, className: SchedulerClassName | undefined): void {
  if (config.stepsOffset >= config.numTrainTimesteps) {
    // Every plan starts at steps_offset or above: no timestep of it would lie in [0, num_train_timesteps).
    throw new ConfigError('steps_offset', config.stepsOffset, `an integer in [0, ${config.numTrainTimesteps - 1}] (below num_train_timesteps)`);
  }
  if (config.trainedBetas !== null) {
    if (config.trainedBetas.length !== config.numTrainTimesteps) {
      throw new ConfigError('trained_betas', config.trainedBetas, `exactly num_train_timesteps (${config.numTrainTimesteps}) betas`);
    }
  } else {
    const allowed = className ? BETA_SCHEDULES_OF[className] : BETA_SCHEDULES;
    if (!allowed.includes(config.betaSchedule)) {
      throw new ConfigError('beta_schedule', config.betaSchedule, `for ${className}: one of ${allowed.map((b) => `'${b}'`).join(', ')}`);
    }
    const fromAlphaBar = config.betaSchedule === 'squaredcos_cap_v2' || config.betaSchedule === 'exp';
    if (!fromAlphaBar && !(config.betaEnd > config.betaStart)) {
      throw new ConfigError('beta_end', config.betaEnd, `a value greater than beta_start (${config.betaStart})`);
    }
  }
  const predictionTypes = className ? PREDICTION_TYPES_OF[className] : undefined;
  if (predictionTypes && !predictionTypes.includes(config.predictionType)) {
    throw new ConfigError('prediction_type', config.predictionType, `for ${className}: one of ${predictionTypes.map((p) => `'${p}'`).join(', ')}`);
  }
  const divisionByZeroAtT =
    className === undefined || className === 'DDIMScheduler' || className === 'DDPMScheduler' || className === 'LCMScheduler';
  if (divisionByZeroAtT && config.rescaleBetasZeroSnr && config.predictionType === 'epsilon') {
    // Zero terminal SNR makes ᾱ_T = 0, where x0 = (x_t − √(1−ᾱ)·ε)/√ᾱ divides by zero. diffusers returns
    // ±Infinity there; denoise refuses the combination instead (Lin et al. 2023 pair it with v-prediction).
    // The σ-parameterised schedulers clamp ᾱ_T to 2^−24 as diffusers does, so they take it; LCM does not clamp.
    throw new ConfigError(
      'prediction_type',
      config.predictionType,
      "'v_prediction' or 'sample' when rescale_betas_zero_snr is true (epsilon cannot recover x0 at zero terminal SNR)",
    );
  }
  if (className === 'LCMScheduler' && config.originalInferenceSteps > config.numTrainTimesteps) {
    // diffusers raises this in set_timesteps: the original schedule's skipping step k = N // original would be 0.
    throw new ConfigError(
      'original_inference_steps',
      config.originalInferenceSteps,
      `an integer in [1, num_train_timesteps = ${config.numTrainTimesteps}]`,
    );
  }
  const sigmaKinds = [config.useKarrasSigmas, config.useExponentialSigmas, config.useBetaSigmas].filter(Boolean).length;
  if (sigmaKinds > 1) {
    throw new ConfigError('use_karras_sigmas', config.useKarrasSigmas, 'only one of use_karras_sigmas, use_exponential_sigmas, use_beta_sigmas set to true');
  }
}

function toJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return [...(value as readonly unknown[])];
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/**
 * Writes a config back as diffusers JSON: `_class_name` and the keys that `className` takes, in diffusers'
 * order. The denoise extensions (`eta`, `prev_timestep`) are written only when they differ from their
 * defaults, so a default config stays a plain diffusers config. −∞ is written as the string '-Infinity'.
 */
export function schedulerConfigToJson(config: SchedulerConfig, className: SchedulerClassName): Record<string, unknown> {
  const out: Record<string, unknown> = { _class_name: className };
  for (const [snake, fallback] of Object.entries(CLASS_DEFAULTS[className])) {
    const s = KEY_SPECS[snake]!;
    const value = s.field === null ? fallback : config[s.field];
    if (s.extension && value === fallback) continue;
    out[snake] = toJsonValue(value);
  }
  return out;
}
