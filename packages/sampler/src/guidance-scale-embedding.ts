import { InputError } from './input-error.js';

const f32 = Math.fround;

/**
 * The guidance-scale embedding of Latent Consistency Models (Luo et al. 2023, after VDM's timestep embedding): what
 * diffusers' `LatentConsistencyModelPipeline.get_guidance_scale_embedding(w, embedding_dim)` gives, each operation in
 * float32 as torch computes it. For each w (the pipeline passes w = guidance_scale − 1, one per image):
 *   x = w·1000, half = dim // 2, f_k = exp(−k·ln(10000)/(half − 1)), k = 0 … half−1,
 *   row = [sin(x·f_0) … sin(x·f_{half−1}), cos(x·f_0) … cos(x·f_{half−1})], and one 0 more when dim is odd.
 * Returns the rows [w.length, dim], row-major: the UNet's `timestep_cond` (dim = its `time_cond_proj_dim`).
 * The sine arguments reach 1000·|w|, where one float32 ulp is ~5e-4 at w = 7, so results agree with torch to
 * about 1e-7 · 1000·|w|, not bit for bit (torch's float32 exp and sin are not correctly rounded).
 * Throws RangeError for a dim below 4 (half − 1 would be 0: diffusers returns NaN) or a non-finite w.
 */
export function guidanceScaleEmbedding(w: Float32Array | readonly number[], dim: number): Float32Array {
  if (!Number.isInteger(dim) || dim < 4) {
    throw new RangeError(`dim must be an integer ≥ 4 (the UNet's time_cond_proj_dim; half = dim // 2 needs half − 1 > 0), got ${dim}`);
  }
  const half = Math.floor(dim / 2);
  // torch.log(torch.tensor(10000.0)) / (half − 1), then exp(arange(half) · −that), all float32.
  const exponent = f32(f32(Math.log(10000)) / (half - 1));
  const frequencies = Float64Array.from({ length: half }, (_, k) => f32(Math.exp(f32(k * -exponent))));
  const out = new Float32Array(w.length * dim);
  for (let b = 0; b < w.length; b++) {
    const value = w[b]!;
    if (!Number.isFinite(value)) throw new InputError('guidanceScale', value, 'a finite number', `w[${b}] must be a finite number, got ${value}`);
    const x = f32(f32(value) * 1000);
    const row = b * dim;
    for (let k = 0; k < half; k++) {
      const argument = f32(x * frequencies[k]!);
      out[row + k] = Math.sin(argument);
      out[row + half + k] = Math.cos(argument);
    }
  }
  return out;
}
