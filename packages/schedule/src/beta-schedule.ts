import type { SchedulerConfig } from './scheduler-config.js';

const f32 = Math.fround;

/**
 * torch.linspace(start, end, n) in float32: the first half counts up from start, the second half down
 * from end (torch's symmetric formula), so both endpoints are exact.
 */
function linspaceF32(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (n - 1);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
  return out;
}

/** ᾱ(t) of the cosine schedule (Nichol & Dhariwal 2021, eq. 17) with s = 0.008. */
function cosineAlphaBar(t: number): number {
  return Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
}

/**
 * The training betas β_0 … β_{N−1} that a config describes, as float32 (what diffusers stores):
 * `trained_betas` if given, else `beta_schedule`, then `rescale_betas_zero_snr` if set.
 */
export function betasFor(config: SchedulerConfig): Float32Array {
  const n = config.numTrainTimesteps;
  let betas: Float32Array;
  if (config.trainedBetas !== null) {
    betas = Float32Array.from(config.trainedBetas);
  } else {
    switch (config.betaSchedule) {
      case 'linear':
        betas = linspaceF32(f32(config.betaStart), f32(config.betaEnd), n);
        break;
      case 'scaled_linear': {
        // Latent diffusion's schedule: linear in √β, then squared.
        const roots = linspaceF32(f32(Math.sqrt(config.betaStart)), f32(Math.sqrt(config.betaEnd)), n);
        betas = roots.map((r) => r * r);
        break;
      }
      case 'squaredcos_cap_v2':
        // β_i = min(1 − ᾱ((i+1)/N) / ᾱ(i/N), 0.999), computed in float64 as diffusers does in Python.
        betas = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          betas[i] = Math.min(1 - cosineAlphaBar((i + 1) / n) / cosineAlphaBar(i / n), 0.999);
        }
        break;
      case 'sigmoid': {
        const xs = linspaceF32(-6, 6, n);
        const scale = config.betaEnd - config.betaStart;
        betas = xs.map((x) => (1 / (1 + Math.exp(-x))) * scale + config.betaStart);
        break;
      }
    }
  }
  return config.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
}

/**
 * Rescales betas to zero terminal SNR (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample
 * Steps are Flawed", Algorithm 1): shift and scale √ᾱ so that √ᾱ_0 is kept and √ᾱ_{N−1} becomes 0,
 * then recover β from the ratios of consecutive ᾱ. The last beta becomes exactly 1.
 */
export function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const n = betas.length;
  const sqrtAlphaBar = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    prod *= 1 - (betas[i] as number);
    sqrtAlphaBar[i] = Math.sqrt(prod);
  }
  const first = sqrtAlphaBar[0] as number;
  const last = sqrtAlphaBar[n - 1] as number;
  const scale = first / (first - last);
  const out = new Float32Array(n);
  let prevAlphaBar = 1;
  for (let i = 0; i < n; i++) {
    const s = ((sqrtAlphaBar[i] as number) - last) * scale;
    const alphaBar = s * s;
    out[i] = 1 - alphaBar / prevAlphaBar;
    prevAlphaBar = alphaBar;
  }
  return out;
}

/**
 * ᾱ_t = ∏_{s≤t} (1 − β_s). Each factor is rounded to float32 and the product accumulated in float64,
 * as torch.cumprod does for float32 input; this reproduces diffusers' alphas_cumprod bit for bit.
 */
export function alphasCumprodFor(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let prod = 1;
  for (let i = 0; i < betas.length; i++) {
    prod *= f32(1 - (betas[i] as number));
    out[i] = prod;
  }
  return out;
}
