import { SAMPLER_KINDS, type SamplerKind } from '@denoise/sampler';
import { BenchInputError } from './bench-input-error.js';

export type Spacing = 'leading' | 'trailing' | 'linspace';

/**
 * One configuration of the table: a sampler, its steps and options. Each option is a change to the
 * scheduler config (see `samplerSpecOverrides`), so a configuration means the same thing in the bench,
 * the FID table and golden manifests.
 */
export interface SamplerSpec {
  readonly kind: SamplerKind;
  readonly steps: number;
  /** DDIM's η (0 for the other samplers). */
  readonly eta: number;
  /** Overrides the scheduler config's timestep_spacing when set. */
  readonly spacing?: Spacing;
  /** Karras σ spacing (use_karras_sigmas): dpm-solver, unipc, euler, heun. */
  readonly karras?: true;
  /** DPM-Solver's SDE form (algorithm_type sde-dpmsolver++). */
  readonly sde?: true;
  /** The model-side modifiers: `+deepcacheN[bK]` (DeepCache, one full call in N, branch K) and `+int8`. */
  readonly deepcache?: { readonly interval: number; readonly branch: number };
  readonly int8?: true;
}

const KARRAS_SAMPLERS: readonly SamplerKind[] = ['dpm-solver', 'unipc', 'euler', 'heun'];

export const SAMPLER_SPEC_GRAMMAR =
  '<sampler>-<steps>[-eta<x>][-karras][-sde][-leading|-trailing|-linspace] with sampler one of ' +
  `${SAMPLER_KINDS.join(', ')}; -eta for ddim, -karras for ${KARRAS_SAMPLERS.join('/')}, -sde for dpm-solver, no spacing for lcm   ` +
  'e.g. ddpm-1000, ddim-50-eta0.5, dpm-solver-20, dpm-solver-10-karras, dpm-solver-20-sde, unipc-10, euler-a-25, heun-10, pndm-50, lcm-4; ' +
  'then the model-side modifiers +deepcache<N>[b<K>] (DeepCache: one full UNet call in N ≥ 2, cut at skip branch K, default 0) and +int8 ' +
  '(int8 convolutions), e.g. ddim-50+deepcache3, ddim-50+deepcache5b1, ddim-50+int8, dpm-solver-20+deepcache3+int8';

const KIND_PATTERN = [...SAMPLER_KINDS].sort((a, b) => b.length - a.length).join('|');
const PATTERN = new RegExp(
  `^(${KIND_PATTERN})-(\\d+)(?:-eta(\\d+(?:\\.\\d+)?))?(-karras)?(-sde)?(?:-(leading|trailing|linspace))?(?:\\+deepcache(\\d+)(?:b(\\d+))?)?(\\+int8)?$`,
);

/** Parses one configuration name of the grammar above; the name written back by `formatSamplerSpec` is canonical. */
export function parseSamplerSpec(text: string): SamplerSpec {
  const match = PATTERN.exec(text.trim());
  if (!match) throw new BenchInputError(`bad sampler configuration '${text}'; the grammar is: ${SAMPLER_SPEC_GRAMMAR}`);
  const [, kindText, stepsText, etaText, karras, sde, spacing, intervalText, branchText, int8] = match;
  const kind = kindText as SamplerKind;
  const steps = Number(stepsText);
  const eta = etaText === undefined ? 0 : Number(etaText);
  const bad = (why: string) => new BenchInputError(`bad sampler configuration '${text}': ${why}`);
  if (steps < 1) throw bad('steps must be ≥ 1');
  if (kind !== 'ddim' && etaText !== undefined) throw bad('η applies to ddim only');
  if (karras && !KARRAS_SAMPLERS.includes(kind)) throw bad(`-karras applies to ${KARRAS_SAMPLERS.join(', ')} only`);
  if (sde && kind !== 'dpm-solver') throw bad('-sde applies to dpm-solver only');
  if (spacing && kind === 'lcm') throw bad('lcm takes no spacing: LCMScheduler plans from original_inference_steps and never reads timestep_spacing');
  if (intervalText !== undefined && Number(intervalText) < 2) throw bad('+deepcache<N> takes N ≥ 2 (one full call in N)');
  return {
    kind,
    steps,
    eta,
    ...(spacing ? { spacing: spacing as Spacing } : {}),
    ...(karras ? { karras: true } : {}),
    ...(sde ? { sde: true } : {}),
    ...(intervalText !== undefined ? { deepcache: { interval: Number(intervalText), branch: Number(branchText ?? 0) } } : {}),
    ...(int8 ? { int8: true } : {}),
  };
}

export function parseSamplerSpecs(list: string): SamplerSpec[] {
  const specs = list.split(',').filter((s) => s.trim() !== '').map(parseSamplerSpec);
  if (specs.length === 0) throw new BenchInputError(`--samplers is empty; the grammar is: ${SAMPLER_SPEC_GRAMMAR}`);
  const names = specs.map(formatSamplerSpec);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new BenchInputError(`--samplers lists '${duplicate}' twice`);
  return specs;
}

export function formatSamplerSpec(spec: SamplerSpec): string {
  return (
    `${spec.kind}-${spec.steps}${spec.eta !== 0 ? `-eta${spec.eta}` : ''}${spec.karras ? '-karras' : ''}` +
    `${spec.sde ? '-sde' : ''}${spec.spacing ? `-${spec.spacing}` : ''}${modifiersOf(spec)}`
  );
}

/** The model-side part of a configuration's name ('' for the plain model): `+deepcache3`, `+deepcache3b1`, `+int8`. */
export function modifiersOf(spec: Pick<SamplerSpec, 'deepcache' | 'int8'>): string {
  const { deepcache } = spec;
  return `${deepcache ? `+deepcache${deepcache.interval}${deepcache.branch !== 0 ? `b${deepcache.branch}` : ''}` : ''}${spec.int8 ? '+int8' : ''}`;
}

/** The scheduler-config keys a configuration sets over the model's scheduler_config.json. */
export function samplerSpecOverrides(spec: SamplerSpec): Record<string, unknown> {
  return {
    ...(spec.spacing ? { timestep_spacing: spec.spacing } : {}),
    ...(spec.karras ? { use_karras_sigmas: true } : {}),
    ...(spec.sde ? { algorithm_type: 'sde-dpmsolver++' } : {}),
  };
}

