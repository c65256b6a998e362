/**
 * The forward (noising) process q(x_t | x_0) of Ho et al. 2020, eq. 4, and the v target of
 * Salimans & Ho 2022 (§4): x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε and v = √ᾱ_t·ε − √(1−ᾱ_t)·x0.
 * A timestep per batch item may be given as an Int32Array; items are equal slices of the input.
 */

function perItemTimesteps(alphasCumprod: Float32Array, length: number, timestep: number | Int32Array): {
  readonly per: number;
  readonly alphas: Float64Array;
} {
  const ts = typeof timestep === 'number' ? Int32Array.of(timestep) : timestep;
  if (typeof timestep === 'number' && !Number.isInteger(timestep)) {
    throw new RangeError(`timestep must be an integer, got ${timestep}`);
  }
  if (ts.length === 0 || length % ts.length !== 0) {
    throw new RangeError(`timestep: ${ts.length} timesteps do not split ${length} elements into equal batch items`);
  }
  const alphas = new Float64Array(ts.length);
  for (let b = 0; b < ts.length; b++) {
    const t = ts[b] as number;
    const a = alphasCumprod[t];
    if (a === undefined || t < 0) {
      throw new RangeError(`timestep must be an integer in [0, ${alphasCumprod.length - 1}], got ${t}`);
    }
    alphas[b] = a;
  }
  return { per: length / ts.length, alphas };
}

function checkSameLength(a: Float32Array, b: Float32Array, names: string): void {
  if (a.length !== b.length) throw new RangeError(`${names} must have the same length, got ${a.length} and ${b.length}`);
}

export function addNoiseWith(
  alphasCumprod: Float32Array,
  original: Float32Array,
  noise: Float32Array,
  timestep: number | Int32Array,
): Float32Array {
  checkSameLength(original, noise, 'original and noise');
  const { per, alphas } = perItemTimesteps(alphasCumprod, original.length, timestep);
  const out = new Float32Array(original.length);
  for (let b = 0; b < alphas.length; b++) {
    const a = alphas[b] as number;
    const cx = Math.sqrt(a);
    const cn = Math.sqrt(1 - a);
    const end = (b + 1) * per;
    for (let i = b * per; i < end; i++) out[i] = cx * (original[i] as number) + cn * (noise[i] as number);
  }
  return out;
}

export function velocityWith(
  alphasCumprod: Float32Array,
  sample: Float32Array,
  noise: Float32Array,
  timestep: number | Int32Array,
): Float32Array {
  checkSameLength(sample, noise, 'sample and noise');
  const { per, alphas } = perItemTimesteps(alphasCumprod, sample.length, timestep);
  const out = new Float32Array(sample.length);
  for (let b = 0; b < alphas.length; b++) {
    const a = alphas[b] as number;
    const cn = Math.sqrt(a);
    const cx = Math.sqrt(1 - a);
    const end = (b + 1) * per;
    for (let i = b * per; i < end; i++) out[i] = cn * (noise[i] as number) - cx * (sample[i] as number);
  }
  return out;
}
