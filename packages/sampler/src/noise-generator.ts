import { PhiloxGenerator, TorchGenerator, type GaussianGenerator } from '@denoise/schedule';
import { InputError } from './input-error.js';

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

/**
 * One generator per image, as diffusers draws with a list of generators (`generator=[g_0, …, g_{B-1}]`): a draw of
 * shape [B, …] is B draws of [1, …], image i's from its own stream. Image i's x_T and step noise then depend on its
 * seed alone, not on the batch it is in, its place in the batch or the other images.
 */
export class PerImageGenerators implements GaussianGenerator {
  private readonly generators: readonly GaussianGenerator[];

  constructor(kind: GeneratorKind, seeds: readonly number[]) {
    if (seeds.length === 0) throw new RangeError('per-image seeds: at least one seed is needed');
    this.generators = seeds.map((s) => createGenerator(kind, s));
  }

  randn(shape: readonly number[]): Float32Array {
    const [batch, ...rest] = shape;
    if (batch !== this.generators.length) {
      throw new RangeError(`per-image generators: a draw of batch ${String(batch)} with ${this.generators.length} per-image seed(s)`);
    }
    const one = [1, ...rest];
    const perImage = rest.reduce((a, b) => a * b, 1);
    const out = new Float32Array(batch * perImage);
    this.generators.forEach((g, i) => out.set(g.randn(one), i * perImage));
    return out;
  }
}

/** murmur3's 32-bit finalizer: a bijection on 32-bit words that spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The seed of image `index` of a run seeded with `runSeed` (`--per-image-seeds`, and every bench image):
 *   c = fmix32((runSeed mod 2^32) xor 0x9E3779B9);  seed_i = fmix32((c + i) mod 2^32)
 * where fmix32 is murmur3's finalizer. For one run seed, distinct images get distinct 32-bit seeds (both maps are
 * bijections), and different run seeds give unrelated streams (unlike runSeed + i, where run 1 would repeat 999 of
 * run 0's first 1,000 images). In Python: `torch.Generator().manual_seed(image_seed(S, i))` per image reproduces it.
 */
export function imageSeed(runSeed: number, index: number): number {
  if (!Number.isSafeInteger(runSeed) || runSeed < 0) throw new InputError('seed', runSeed, 'an integer ≥ 0', `run seed must be an integer ≥ 0, got ${runSeed}`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 32) throw new InputError('imageIndex', index, 'an integer in [0, 2^32)', `image index must be an integer in [0, 2^32), got ${index}`);
  const c = fmix32(((runSeed % 2 ** 32) ^ 0x9e3779b9) >>> 0);
  return fmix32((c + index) >>> 0);
}

/** The seeds of images first, first + 1, …, first + count − 1 of a run seeded with `runSeed`. */
export function imageSeeds(runSeed: number, first: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => imageSeed(runSeed, first + k));
}
