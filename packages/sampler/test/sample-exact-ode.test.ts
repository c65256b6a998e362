// Every deterministic sampler, through the one loop, converges to the exact solution of the probability-flow
// ODE when the model is exact. For data ~ N(0, s²) per pixel, ε(x_t, t) = √(1−ᾱ)·x_t / (ᾱs² + 1 − ᾱ) exactly,
// and in the variance-exploding coordinate x̃ = x/√ᾱ (σ² = (1−ᾱ)/ᾱ) the ODE dx̃/dσ = ε gives
// x̃(σ) = x̃(σ₀)·√((s² + σ²)/(s² + σ₀²)), so x₀ = x̃(σ₀)·s/√(s² + σ₀²). This checks what the diffusers parity
// tests cannot: that x_T's init_noise_sigma scaling, scale_model_input, the multistep state and Heun's and
// PNDM's extra calls fit together into a solver of the right order.
import { describe, expect, it } from 'vitest';
import { TorchGenerator } from '@denoise/schedule';
import type { Denoiser } from '../src/denoiser.js';
import { createScheduler, type SamplerKind } from '../src/create-scheduler.js';
import { sample } from '../src/sample.js';

const S = 0.5;
const config = {
  _class_name: 'DDPMScheduler',
  beta_schedule: 'linear',
  beta_start: 0.0001,
  beta_end: 0.02,
  timestep_spacing: 'leading',
  clip_sample: false,
};

/** The exact ε for Gaussian data, at a possibly fractional timestep (ᾱ interpolated linearly). */
class ExactGaussianDenoiser implements Denoiser {
  readonly spec = { channels: 1, height: 8, width: 8, outputChannels: 1 };
  constructor(private readonly alphasCumprod: Float32Array) {}
  async predict(x: Float32Array, t: number): Promise<Float32Array> {
    const i = Math.min(Math.floor(t), this.alphasCumprod.length - 2);
    const f = t - i;
    const a = this.alphasCumprod[i]! * (1 - f) + this.alphasCumprod[i + 1]! * f;
    const k = Math.sqrt(1 - a) / (a * S * S + 1 - a);
    return x.map((v) => v * k);
  }
}

async function errorOf(kind: SamplerKind, steps: number): Promise<{ error: number; calls: number }> {
  const scheduler = createScheduler(kind, config);
  const result = await sample({ scheduler, denoiser: new ExactGaussianDenoiser(scheduler.alphasCumprod), steps, batchSize: 1, seed: 1 });
  const t0 = result.timesteps[0]!;
  const a0 = scheduler.alphasCumprod[t0]!;
  const sigma0 = Math.sqrt((1 - a0) / a0);
  // x̃ at the start: x_T·init_noise_sigma for the σ samplers; x_T/√ᾱ₀ for the ones that start from x_T itself.
  const scale = scheduler.initNoiseSigma !== 1 ? scheduler.initNoiseSigma : Math.sqrt(sigma0 * sigma0 + 1);
  const xT = new TorchGenerator(1).randn([1, 1, 8, 8]);
  let error = 0;
  xT.forEach((v, i) => {
    const exact = (v * scale * S) / Math.sqrt(S * S + sigma0 * sigma0);
    error = Math.max(error, Math.abs(result.samples[i]! - exact));
  });
  return { error, calls: result.timesteps.length };
}

describe('sample: convergence to the exact probability-flow ODE solution (Gaussian data, exact ε)', () => {
  // Measured max |x0 − exact| at S = 10 → 50 (leading spacing): DDIM and Euler 0.42 → 0.092 (first order, and
  // equal: DDIM is Euler in x̃), Heun 5 → 25 steps 0.50 → 0.019, DPM-Solver++ 2M 0.27 → 1.1e-4, UniPC 0.26 → 5.5e-3,
  // PNDM 0.031 → 1.7e-4. Bounds are about twice those at S = 50.
  const cases: [SamplerKind, number, number, number][] = [
    ['ddim', 10, 50, 0.2],
    ['euler', 10, 50, 0.2],
    ['heun', 5, 25, 0.04],
    ['dpm-solver', 10, 50, 3e-4],
    ['unipc', 10, 50, 1.2e-2],
    ['pndm', 10, 50, 4e-4],
  ];
  for (const [kind, few, many, bound] of cases) {
    it(`${kind}: the error falls from ${few} to ${many} steps and ends below ${bound}`, async () => {
      const coarse = await errorOf(kind, few);
      const fine = await errorOf(kind, many);
      expect(fine.error).toBeLessThan(bound);
      expect(fine.error).toBeLessThan(coarse.error / 4);
    });
  }

  it('a second-order solver beats the first-order one at the same number of model calls', async () => {
    const euler = await errorOf('euler', 50);
    const heun = await errorOf('heun', 25);
    const dpm = await errorOf('dpm-solver', 50);
    expect(heun.calls).toBe(49);
    expect(heun.error).toBeLessThan(euler.error / 3);
    expect(dpm.error).toBeLessThan(euler.error / 100);
  });
});
