import { DDIMScheduler, DDPMScheduler, type Scheduler } from '@denoise/schedule';

export type SamplerKind = 'ddim' | 'ddpm';
export const SAMPLER_KINDS: readonly SamplerKind[] = ['ddim', 'ddpm'];

/**
 * The scheduler for a sampler, from a diffusers scheduler_config.json object plus snake_case overrides
 * (e.g. `{ timestep_spacing: 'trailing' }`). A DDPM-trained config drives DDIM unchanged, as in diffusers'
 * `DDIMScheduler.from_config(ddpm.config)`; keys that only the other scheduler knows are reported in
 * `scheduler.ignoredKeys`.
 */
export function createScheduler(
  kind: SamplerKind,
  config: unknown,
  overrides: Readonly<Record<string, unknown>> = {},
): Scheduler {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`the scheduler config must be a JSON object, got ${config === null ? 'null' : typeof config}`);
  }
  const merged = { ...(config as Record<string, unknown>), ...overrides };
  switch (kind) {
    case 'ddim':
      return DDIMScheduler.fromConfig(merged);
    case 'ddpm':
      return DDPMScheduler.fromConfig(merged);
    default:
      throw new RangeError(`unknown sampler '${String(kind)}'; allowed: ${SAMPLER_KINDS.join(', ')}`);
  }
}
