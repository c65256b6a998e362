import type { SchedulerConfig } from './scheduler-config.js';

const f32 = Math.fround;

/**
 * torch.linspace(start, end, n, dtype=float32) on CPU, reproduced bit for bit (checked against the
 * diffusers figures in fixtures/parity). step = (end − start)/(n − 1) in float32; the first half counts
 * up from start, the second half down from end. torch's AVX2 kernel fills 8 lanes at a time from a base
 * computed with a fused multiply-add (base + k·step per lane, each rounded), and the last 8 scalar
 * elements (the loop takes 16 at a time) each with one fused multiply-add.
 */
function linspaceF32(startIn: number, endIn: number, n: number): Float32Array {
  const start = f32(startIn);
  const end = f32(endIn);
  const out = new Float32Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = f32(f32(end - start) / (n - 1));
  const half = Math.floor(n / 2);
  // One rounding of start + step·i: step·i is exact in float64 (24-bit × < 2^29), as in an FMA.
  const scalarAt = (i: number): number => (i < half ? f32(start + step * i) : f32(end - step * (n - 1 - i)));
  const lanes = 8;
  let i = 0;
  for (; i + 2 * lanes <= n; i += lanes) {
    const base = scalarAt(i);
    for (let k = 0; k < lanes; k++) out[i + k] = base + f32(k * step);
  }
  for (; i < n; i++) out[i] = scalarAt(i);
  return out;
}

/** ᾱ(t) of the cosine schedule (Nichol & Dhariwal 2021, eq. 17) with s = 0.008. */
function cosineAlphaBar(t: number): number {
  return Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
}

/** β_i = min(1 − ᾱ((i+1)/N) / ᾱ(i/N), 0.999), computed in float64 as diffusers does in Python. */
function betasForAlphaBar(alphaBar: (t: number) => number, n: number): Float32Array {
  const betas = new Float32Array(n);
  for (let i = 0; i < n; i++) betas[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
  return betas;
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
        betas = betasForAlphaBar(cosineAlphaBar, n);
        break;
      case 'exp':
        // Heun's 'exp' schedule: ᾱ(t) = e^(−12t).
        betas = betasForAlphaBar((t) => Math.exp(t * -12), n);
        break;
      case 'sigmoid': {
        const xs = linspaceF32(-6, 6, n);
        // torch.sigmoid(x) · (β_end − β_start) + β_start, each operation in float32.
        const scale = f32(config.betaEnd - config.betaStart);
        const offset = f32(config.betaStart);
        betas = xs.map((x) => f32(f32(1 / (1 + Math.exp(-x))) * scale) + offset);
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
 * Every operation is rounded to float32 as diffusers' torch code does: near t = 0, 1 − ᾱ is tiny and
 * float64 arithmetic would give a visibly different (if more accurate) schedule.
 */
export function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const n = betas.length;
  const sqrtAlphaBar = new Float32Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    prod *= f32(1 - (betas[i] as number)); // torch.cumprod accumulates float32 input in float64
    sqrtAlphaBar[i] = Math.sqrt(f32(prod));
  }
  const first = sqrtAlphaBar[0] as number;
  const last = sqrtAlphaBar[n - 1] as number;
  const scale = f32(first / f32(first - last));
  const out = new Float32Array(n);
  let prevAlphaBar = 1;
  for (let i = 0; i < n; i++) {
    const s = f32(f32((sqrtAlphaBar[i] as number) - last) * scale);
    const alphaBar = f32(s * s);
    // ᾱ_0 itself is α_0; after it, α_i = ᾱ_i / ᾱ_{i−1}.
    const alpha = i === 0 ? alphaBar : f32(alphaBar / prevAlphaBar);
    out[i] = 1 - alpha;
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

/** ᾱ_{N−1} under zero terminal SNR where σ is read: diffusers clamps the exact 0 to 2⁻²⁴ so that σ_max = 4096 stays finite. */
export const ZERO_SNR_LAST_ALPHA_CUMPROD = 2 ** -24;

/**
 * β and ᾱ as diffusers' σ-reading schedulers store them (Euler, Euler ancestral, Heun, DPM-Solver, UniPC):
 * as DDPM/DDIM, except that with `rescale_betas_zero_snr` the last ᾱ is set to 2⁻²⁴ (instead of 0) so that
 * σ_max = √((1−ᾱ)/ᾱ) stays finite (4096).
 */
export function finiteSigmaAlphasCumprod(config: SchedulerConfig): { betas: Float32Array; alphasCumprod: Float32Array } {
  const betas = betasFor(config);
  const alphasCumprod = alphasCumprodFor(betas);
  if (config.rescaleBetasZeroSnr) alphasCumprod[alphasCumprod.length - 1] = ZERO_SNR_LAST_ALPHA_CUMPROD;
  return { betas, alphasCumprod };
}
