// The σ-parameterisation shared by the DPM-Solver, UniPC, Euler, Euler-ancestral and Heun schedulers:
// σ_t = √((1 − ᾱ_t)/ᾱ_t) (Karras et al. 2022, "Elucidating the Design Space", §2), the fractional
// timestep of a σ, and the Karras and exponential σ ladders. Each function says which float32 roundings
// of diffusers' torch/numpy code it reproduces; the rest is float64, as numpy computes it.

const f32 = Math.fround;

/**
 * diffusers' training sigmas `((1 − ᾱ) / ᾱ) ** 0.5` over the float32 tensor: every operation rounded to
 * float32, as torch does (checked bit-exact against the reference's sigma tables).
 */
export function trainingSigmas(alphasCumprod: Float32Array): Float32Array {
  const out = new Float32Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) {
    const a = alphasCumprod[i]!;
    out[i] = Math.sqrt(f32(f32(1 - a) / a));
  }
  return out;
}

/** numpy's float32 `np.log` of a float32 array, rounded once to float32. */
export function logF32(values: Float32Array): Float32Array {
  return values.map((v) => Math.log(v));
}

/** numpy.linspace(start, stop, n) in float64: start + i·step, the last entry exactly stop. */
export function linspace64(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i * step + start;
  out[n - 1] = stop;
  return out;
}

/**
 * numpy.interp(x, arange(len(fp)), fp) in float64: linear interpolation of fp at a fractional index,
 * clamped to the ends (numpy returns fp[j] exactly when x lands on a grid point).
 */
export function interpAtIndex(x: number, fp: ArrayLike<number>): number {
  const last = fp.length - 1;
  if (!(x > 0)) return fp[0]!;
  if (x >= last) return fp[last]!;
  const j = Math.floor(x);
  if (x === j) return fp[j]!;
  const slope = fp[j + 1]! - fp[j]!;
  return slope * (x - j) + fp[j]!;
}

/**
 * diffusers' `_sigma_to_t`: the fractional training timestep whose σ is `sigma`, by linear interpolation of
 * log σ between the two bracketing training timesteps (clamped to [0, N−1]). `logSigmas` is ascending
 * (float32, as diffusers keeps it); the bracket's width is a float32 difference, as in numpy.
 */
export function sigmaToT(sigma: number, logSigmas: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const n = logSigmas.length;
  // The last index whose log σ is ≤ log_sigma (0 when none is), at most N−2.
  let count = 0;
  for (let i = 0; i < n; i++) if (logSigma - logSigmas[i]! >= 0) count++;
  const low = Math.min(Math.max(count - 1, 0), n - 2);
  const lowLog = logSigmas[low]!;
  const highLog = logSigmas[low + 1]!;
  let w = (lowLog - logSigma) / f32(lowLog - highLog);
  w = Math.min(1, Math.max(0, w));
  return (1 - w) * low + w * (low + 1);
}

/** Karras et al. (2022) eq. 5: n sigmas from σ_max down to σ_min, evenly spaced in σ^(1/ρ), ρ = 7. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number, rho = 7): Float64Array {
  const ramp = linspace64(0, 1, n);
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return ramp.map((r) => (maxInvRho + r * (minInvRho - maxInvRho)) ** rho);
}

/** n sigmas from σ_max down to σ_min, evenly spaced in log σ (diffusers' `use_exponential_sigmas`). */
export function exponentialSigmas(sigmaMin: number, sigmaMax: number, n: number): Float64Array {
  return linspace64(Math.log(sigmaMax), Math.log(sigmaMin), n).map(Math.exp);
}
