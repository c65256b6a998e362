import type { SamplerKind } from '@denoise/sampler';

export type Spacing = 'leading' | 'trailing' | 'linspace';

/** One configuration of the table: a sampler, its steps, η and (optionally) the timestep spacing. */
export interface SamplerSpec {
  readonly kind: SamplerKind;
  readonly steps: number;
  readonly eta: number;
  /** Overrides the scheduler config's timestep_spacing when set. */
  readonly spacing?: Spacing;
}

export const SAMPLER_SPEC_GRAMMAR =
  'ddpm-<steps> | ddim-<steps>[-eta<x>][-leading|-trailing|-linspace]   e.g. ddpm-1000, ddim-50, ddim-50-eta0.5, ddim-20-trailing';

const PATTERN = /^(ddpm|ddim)-(\d+)(?:-eta(\d+(?:\.\d+)?))?(?:-(leading|trailing|linspace))?$/;

/** Parses one configuration name of the grammar above; the name written back by `formatSamplerSpec` is canonical. */
export function parseSamplerSpec(text: string): SamplerSpec {
  const match = PATTERN.exec(text.trim());
  if (!match) throw new RangeError(`bad sampler configuration '${text}'; the grammar is: ${SAMPLER_SPEC_GRAMMAR}`);
  const [, kind, stepsText, etaText, spacing] = match;
  const steps = Number(stepsText);
  const eta = etaText === undefined ? 0 : Number(etaText);
  if (steps < 1) throw new RangeError(`bad sampler configuration '${text}': steps must be ≥ 1`);
  if (kind === 'ddpm' && etaText !== undefined) throw new RangeError(`bad sampler configuration '${text}': η applies to ddim only`);
  return { kind: kind as SamplerKind, steps, eta, ...(spacing ? { spacing: spacing as Spacing } : {}) };
}

export function parseSamplerSpecs(list: string): SamplerSpec[] {
  const specs = list.split(',').filter((s) => s.trim() !== '').map(parseSamplerSpec);
  if (specs.length === 0) throw new RangeError(`--samplers is empty; the grammar is: ${SAMPLER_SPEC_GRAMMAR}`);
  const names = specs.map(formatSamplerSpec);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new RangeError(`--samplers lists '${duplicate}' twice`);
  return specs;
}

export function formatSamplerSpec(spec: SamplerSpec): string {
  return `${spec.kind}-${spec.steps}${spec.eta !== 0 ? `-eta${spec.eta}` : ''}${spec.spacing ? `-${spec.spacing}` : ''}`;
}

/** DDPM and DDIM with η > 0 draw fresh noise at every step: their images are not a function of x_T alone. */
export function isStochastic(spec: SamplerSpec): boolean {
  return spec.kind === 'ddpm' || spec.eta > 0;
}
