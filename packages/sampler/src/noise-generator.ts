import { PhiloxGenerator, TorchGenerator, type GaussianGenerator } from '@denoise/schedule';

/**
 * Which seeded Gaussian stream to draw from:
 * - `torch`: reproduces a seeded CPU `torch.Generator` (mt19937), so x_T and DDPM's per-step noise match
 *   what diffusers' pipelines draw from `torch.manual_seed(seed)`;
 * - `philox`: counter-based Philox4x32-10, platform-independent and fast.
 */
export type GeneratorKind = 'torch' | 'philox';
export const GENERATOR_KINDS: readonly GeneratorKind[] = ['torch', 'philox'];

export function createGenerator(kind: GeneratorKind, seed: number): GaussianGenerator {
  return kind === 'torch' ? new TorchGenerator(seed) : new PhiloxGenerator(seed);
}
