import { numelOf, seedWord, type GaussianGenerator } from './gaussian-generator.js';
import { Mt19937 } from './mt19937.js';

const f32 = Math.fround;
const TWO_PI_F32 = f32(2 * Math.PI);
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;

/**
 * Reproduces PyTorch's CPU `torch.randn` for float32 from a seeded generator
 * (`torch.manual_seed(seed)` or `torch.Generator().manual_seed(seed)`), as PyTorch 1.13–2.x computes it:
 *
 * - The engine is mt19937 seeded with seed mod 2^32.
 * - numel ≥ 16 (ATen `normal_fill`): first every element gets a uniform u = (r & 0xFFFFFF)·2^−24 from
 *   one 32-bit draw r; then each block of 16 becomes normals by Box–Muller on the pairs (j, j+8):
 *   ρ = √(−2·ln(1 − u_j)), θ = 2π·u_{j+8}, x_j = ρ·cos θ, x_{j+8} = ρ·sin θ. When numel is not a
 *   multiple of 16, the last 16 elements are drawn again (16 more uniforms) and transformed as one block,
 *   overwriting the tail of the previous block. Arithmetic is float32 (ρ, θ rounded as torch's AVX2
 *   kernel rounds them); the result agrees with torch within ~1e-6.
 * - numel < 16 (ATen's scalar path): each element is a double normal from two 53-bit uniforms
 *   (each from two 32-bit draws, the first as the high word): u1, u2; ρ = √(−2·ln(1 − u2)),
 *   θ = 2π·u1; the element is ρ·cos θ, and ρ·sin θ is cached in the generator for the next
 *   scalar-path element (torch's `next_double_normal_sample`), then rounded to float32. This path follows
 *   PyTorch's source; the reference figures held in fixtures only cover numel ≥ 16.
 */
export class TorchGenerator implements GaussianGenerator {
  private readonly engine: Mt19937;
  private cachedNormal: number | null = null;

  constructor(seed: number) {
    this.engine = new Mt19937(seedWord(seed, 'TorchGenerator'));
  }

  randn(shape: readonly number[]): Float32Array {
    const n = numelOf(shape);
    const data = new Float32Array(n);
    if (n >= 16) this.normalFill(data);
    else for (let i = 0; i < n; i++) data[i] = this.scalarNormal();
    return data;
  }

  private uniform24(): number {
    return (this.engine.nextUint32() & 0xffffff) * TWO_POW_M24;
  }

  private uniform53(): number {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return ((hi & 0x1fffff) * 2 ** 32 + lo) * TWO_POW_M53;
  }

  private normalFill(data: Float32Array): void {
    const n = data.length;
    for (let i = 0; i < n; i++) data[i] = this.uniform24();
    for (let i = 0; i + 16 <= n; i += 16) boxMuller16(data, i);
    if (n % 16 !== 0) {
      const start = n - 16;
      for (let i = 0; i < 16; i++) data[start + i] = this.uniform24();
      boxMuller16(data, start);
    }
  }

  private scalarNormal(): number {
    if (this.cachedNormal !== null) {
      const cached = this.cachedNormal;
      this.cachedNormal = null;
      return cached;
    }
    const u1 = this.uniform53();
    const u2 = this.uniform53();
    const radius = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }
}

/** Box–Muller over one block of 16 uniforms at `offset`, pairs (j, j+8), in float32 as torch does. */
function boxMuller16(data: Float32Array, offset: number): void {
  for (let j = offset; j < offset + 8; j++) {
    const u1 = 1 - (data[j] as number); // [0, 1) → (0, 1] for the log; exact in float32
    const u2 = data[j + 8] as number;
    const radius = f32(Math.sqrt(f32(-2 * f32(Math.log(u1)))));
    const theta = f32(TWO_PI_F32 * u2);
    data[j] = radius * f32(Math.cos(theta));
    data[j + 8] = radius * f32(Math.sin(theta));
  }
}

/** `torch.manual_seed(seed); torch.randn(shape)` on CPU in float32, flattened in C order. */
export function torchRandn(seed: number, shape: readonly number[]): Float32Array {
  return new TorchGenerator(seed).randn(shape);
}
