import { isSchedulerClassName, schedulerFromConfig, type Scheduler, type SchedulerClassName } from '@denoise/schedule';
import { InputError } from './input-error.js';

/** The sampler names of the CLI, the bench and golden manifests, one per diffusers scheduler class. */
export const SAMPLER_CLASSES = {
  ddpm: 'DDPMScheduler',
  ddim: 'DDIMScheduler',
  'dpm-solver': 'DPMSolverMultistepScheduler',
  unipc: 'UniPCMultistepScheduler',
  euler: 'EulerDiscreteScheduler',
  'euler-a': 'EulerAncestralDiscreteScheduler',
  heun: 'HeunDiscreteScheduler',
  pndm: 'PNDMScheduler',
  lcm: 'LCMScheduler',
} as const satisfies Record<string, SchedulerClassName>;

export type SamplerKind = keyof typeof SAMPLER_CLASSES;
export const SAMPLER_KINDS = Object.keys(SAMPLER_CLASSES) as readonly SamplerKind[];

/**
 * Inference steps when none are given: what each sampler is usually run with (DDPM its full chain; DDIM
 * and PNDM 50, as diffusers' pipelines; the higher-order solvers 20–25, where they reach DDIM-50 quality;
 * LCM 4, as LatentConsistencyModelPipeline).
 */
export const DEFAULT_STEPS: Readonly<Record<SamplerKind, number>> = {
  ddpm: 1000,
  ddim: 50,
  'dpm-solver': 20,
  unipc: 20,
  euler: 25,
  'euler-a': 25,
  heun: 20,
  pndm: 50,
  lcm: 4,
};

/** The sampler of a diffusers class name, or undefined for a class denoise does not implement. */
export function samplerOfClass(className: string): SamplerKind | undefined {
  return SAMPLER_KINDS.find((kind) => SAMPLER_CLASSES[kind] === className);
}

/**
 * The sampler used when none is asked for: the one a scheduler_config.json names in `_class_name` when it is
 * one of the fast samplers (DPM-Solver, UniPC, Euler, Euler ancestral, Heun, PNDM, LCM); DDIM otherwise, including
 * for the DDPMScheduler configs that DDPM checkpoints ship with (DDPM-1000 is rarely what a user wants to wait for).
 */
export function defaultSamplerFor(config: unknown): SamplerKind {
  const className = (config as { _class_name?: unknown } | null)?._class_name;
  if (!isSchedulerClassName(className) || className === 'DDPMScheduler') return 'ddim';
  return samplerOfClass(className) ?? 'ddim';
}

/**
 * The scheduler for a sampler, from a diffusers scheduler_config.json object plus snake_case overrides
 * (e.g. `{ timestep_spacing: 'trailing' }`), whatever class saved the config, as diffusers'
 * `Cls.from_config(other.config)`: keys the sampler's class does not take are reported in
 * `scheduler.ignoredKeys`; keys it takes but the config lacks get that class's defaults.
 */
export function createScheduler(
  kind: SamplerKind,
  config: unknown,
  overrides: Readonly<Record<string, unknown>> = {},
): Scheduler {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    const got = config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config;
    throw new TypeError(`the scheduler config must be a JSON object, got ${got}`);
  }
  const className = SAMPLER_CLASSES[kind];
  if (className === undefined) throw new InputError('sampler', kind, SAMPLER_KINDS.join(', '), `unknown sampler '${String(kind)}'; allowed: ${SAMPLER_KINDS.join(', ')}`);
  return schedulerFromConfig(className, { ...(config as Record<string, unknown>), ...overrides });
}
