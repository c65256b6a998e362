// The one loop drives every scheduler: model calls per sampler, x_T scaled by init_noise_sigma, the model
// input by scale_model_input, and the stochastic samplers' noise drawn from the seeded stream in diffusers'
// pipeline order (x_T first, then one draw per step call, inside it).
import { describe, expect, it } from 'vitest';
import { TorchGenerator } from '@denoise/schedule';
import { createScheduler, SAMPLER_KINDS, type SamplerKind } from '../src/create-scheduler.js';
import { sample } from '../src/sample.js';
import { CountingDenoiser } from './counting-denoiser.js';

const config = { _class_name: 'DDPMScheduler', beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, timestep_spacing: 'leading' };

/** A denoiser that records every input it is given. */
class RecordingDenoiser extends CountingDenoiser {
  readonly inputs: Float32Array[] = [];
  readonly timesteps: number[] = [];
  override async predict(input: Float32Array, timestep: number): Promise<Float32Array> {
    this.inputs.push(input.slice());
    this.timesteps.push(timestep);
    return super.predict(input, timestep);
  }
}

describe('sample: the fast samplers through the one loop', () => {
  const expectedCalls: Record<SamplerKind, (steps: number) => number> = {
    ddpm: (s) => s,
    ddim: (s) => s,
    'dpm-solver': (s) => s,
    unipc: (s) => s,
    euler: (s) => s,
    'euler-a': (s) => s,
    heun: (s) => 2 * s - 1,
    pndm: (s) => s + 9,
    lcm: (s) => s,
  };
  for (const kind of SAMPLER_KINDS) {
    it(`${kind}-10: ${expectedCalls[kind](10)} model calls at the scheduler's timesteps, finite output`, async () => {
      const denoiser = new RecordingDenoiser();
      const scheduler = createScheduler(kind, config);
      const result = await sample({ scheduler, denoiser, steps: 10, batchSize: 2, seed: 4 });
      expect(denoiser.calls).toBe(expectedCalls[kind](10));
      expect(result.timesteps.length).toBe(denoiser.calls);
      expect(denoiser.timesteps).toEqual(Array.from(scheduler.timesteps));
      expect(result.timings.modelMs.length).toBe(denoiser.calls);
      expect(result.samples.every(Number.isFinite)).toBe(true);
    });
  }

  it('multiplies x_T by init_noise_sigma and gives the model x / √(σ²+1) (Euler)', async () => {
    const denoiser = new RecordingDenoiser();
    const scheduler = createScheduler('euler', config);
    await sample({ scheduler, denoiser, steps: 5, batchSize: 1, seed: 2 });
    const sigma = (scheduler as unknown as { sigmas: Float32Array }).sigmas[0]!;
    expect(scheduler.initNoiseSigma).toBeGreaterThan(1);
    const xT = new TorchGenerator(2).randn([1, 1, 8, 8]).map((v) => v * scheduler.initNoiseSigma);
    const fresh = createScheduler('euler', config);
    fresh.setTimesteps(5);
    const expected = fresh.scaleModelInput(xT, fresh.timesteps[0]!, new Float32Array(xT.length));
    expect(Array.from(denoiser.inputs[0]!)).toEqual(Array.from(expected));
    // The scaled input is unit-variance-like: x·σ_max/√(σ_max²+1) ≈ x for the leading spacing's σ_max.
    expect(Math.abs(expected[0]! - xT[0]! / Math.sqrt(sigma * sigma + 1))).toBeLessThan(1e-5 * Math.abs(xT[0]!));
  });

  for (const [kind, overrides] of [
    ['euler-a', {}],
    ['dpm-solver', { algorithm_type: 'sde-dpmsolver++' }],
  ] as const) {
    it(`${kind}${overrides.algorithm_type ? ' (SDE)' : ''}: x_T and then one draw per step from one torch stream, reproducibly`, async () => {
      const shape = [2, 1, 8, 8] as const;
      const run = (seed: number) =>
        sample({ scheduler: createScheduler(kind, config, overrides), denoiser: new CountingDenoiser(), steps: 6, batchSize: 2, seed });
      const [a, b, c] = [await run(5), await run(5), await run(6)];
      expect(Array.from(a.samples)).toEqual(Array.from(b.samples));
      expect(Array.from(a.samples)).not.toEqual(Array.from(c.samples));

      // The same run written out by hand, in diffusers' pipeline order.
      const scheduler = createScheduler(kind, config, overrides);
      scheduler.setTimesteps(6);
      const generator = new TorchGenerator(5);
      const denoiser = new CountingDenoiser();
      let x = generator.randn(shape).map((v) => v * scheduler.initNoiseSigma);
      for (const t of scheduler.timesteps) {
        const eps = Float32Array.from(await denoiser.predict(scheduler.scaleModelInput(x, t, new Float32Array(x.length)), t));
        expect(scheduler.noiseDrawnAt(t)).toBe(true);
        x = Float32Array.from(scheduler.step(eps, t, x, { batchSize: 2, noise: generator.randn(shape) }).prevSample);
      }
      expect(Array.from(a.samples)).toEqual(Array.from(x));
    });
  }

  it('lcm: x_T, then one draw per step but the last from one torch stream; the result is the last denoised', async () => {
    const shape = [2, 1, 8, 8] as const;
    const result = await sample({ scheduler: createScheduler('lcm', config), denoiser: new CountingDenoiser(), steps: 4, batchSize: 2, seed: 5 });

    const scheduler = createScheduler('lcm', config);
    scheduler.setTimesteps(4);
    const generator = new TorchGenerator(5);
    const denoiser = new CountingDenoiser();
    let x = generator.randn(shape);
    let denoised: Float32Array | undefined;
    const drawn: boolean[] = [];
    for (const t of scheduler.timesteps) {
      const eps = Float32Array.from(await denoiser.predict(x, t));
      drawn.push(scheduler.noiseDrawnAt(t));
      const out = scheduler.step(eps, t, x, { batchSize: 2, ...(drawn.at(-1) ? { noise: generator.randn(shape) } : {}) });
      x = Float32Array.from(out.prevSample);
      denoised = out.denoised;
    }
    expect(drawn).toEqual([true, true, true, false]);
    expect(Array.from(result.samples)).toEqual(Array.from(x));
    expect(Array.from(result.samples)).toEqual(Array.from(denoised!));
  });

  it('refuses η for a sampler other than DDIM', async () => {
    await expect(
      sample({ scheduler: createScheduler('unipc', config), denoiser: new CountingDenoiser(), steps: 3, eta: 0.5 }),
    ).rejects.toThrow(/eta applies to DDIM only; UniPCMultistepScheduler takes none/);
  });
});
