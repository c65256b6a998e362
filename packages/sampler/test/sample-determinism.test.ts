import { describe, expect, it } from 'vitest';
import { DDIMScheduler, DDPMScheduler, TorchGenerator, torchRandn } from '@denoise/schedule';
import { sample } from '../src/sample.js';
import { CountingDenoiser } from './counting-denoiser.js';

const config = { beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, num_train_timesteps: 1000, clip_sample: true };

describe('sample: seeded runs', () => {
  it('gives byte-identical DDIM output for the same seed, and different output for another seed', async () => {
    const run = (seed: number) =>
      sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser: new CountingDenoiser(), steps: 10, batchSize: 3, seed });
    const [a, b, c] = await Promise.all([run(5), run(5), run(6)]);
    expect(Buffer.from(a.samples.buffer).equals(Buffer.from(b.samples.buffer))).toBe(true);
    expect(Buffer.from(a.samples.buffer).equals(Buffer.from(c.samples.buffer))).toBe(false);
    expect(a.shape).toEqual([3, 1, 8, 8]);
    expect(Array.from(a.timesteps)).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
  });

  it('draws x_T and then one noise tensor per DDPM step with t > 0 from one torch-compatible stream', async () => {
    const shape = [2, 1, 8, 8] as const;
    const denoiser = new CountingDenoiser();
    const result = await sample({ scheduler: DDPMScheduler.fromConfig(config), denoiser, steps: 5, batchSize: 2, seed: 11 });

    // The same run written out by hand, in diffusers' DDPMPipeline order.
    const reference = new CountingDenoiser();
    const scheduler = DDPMScheduler.fromConfig(config);
    scheduler.setTimesteps(5);
    const generator = new TorchGenerator(11);
    let x = generator.randn(shape);
    expect(Array.from(x)).toEqual(Array.from(torchRandn(11, shape)));
    for (const t of scheduler.timesteps) {
      const eps = Float32Array.from(await reference.predict(x, t));
      const noise = t > 0 ? generator.randn(shape) : undefined;
      x = scheduler.step(eps, t, x, { batchSize: 2, ...(noise ? { noise } : {}) }).prevSample;
    }
    expect(Array.from(result.samples)).toEqual(Array.from(x));
  });

  it('uses the given noise as x_T exactly, and its length sets the batch', async () => {
    const noise = torchRandn(3, [4, 1, 8, 8]);
    const fromNoise = await sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser: new CountingDenoiser(), steps: 4, noise });
    const fromSeed = await sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser: new CountingDenoiser(), steps: 4, seed: 3, batchSize: 4 });
    expect(fromNoise.shape[0]).toBe(4);
    expect(Array.from(fromNoise.samples)).toEqual(Array.from(fromSeed.samples));
  });

  it('philox and torch generators give different streams, each reproducible', async () => {
    const run = (generator: 'torch' | 'philox') =>
      sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser: new CountingDenoiser(), steps: 3, seed: 1, generator });
    const [t1, p1, p2] = [await run('torch'), await run('philox'), await run('philox')];
    expect(Array.from(p1.samples)).toEqual(Array.from(p2.samples));
    expect(Array.from(p1.samples)).not.toEqual(Array.from(t1.samples));
  });
});
