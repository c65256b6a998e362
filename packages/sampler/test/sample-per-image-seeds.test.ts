import { createScheduler, imageSeed, imageSeeds, sample } from '../src/index.js';
import { AffineDenoiser } from '../src/affine-denoiser.js';
import { describe, expect, it } from 'vitest';

const CONFIG = { num_train_timesteps: 1000, beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 };
const denoiser = new AffineDenoiser({ channels: 1, height: 4, width: 4 });
const PER_IMAGE = 16;

async function run(kind: 'ddpm' | 'euler-a' | 'ddim', seeds: readonly number[], eta?: number) {
  const scheduler = createScheduler(kind, CONFIG);
  return sample({ scheduler, denoiser, steps: 10, imageSeeds: seeds, ...(eta !== undefined ? { eta } : {}) });
}

describe('imageSeed', () => {
  it('gives distinct seeds to the images of one run and unrelated ones to another run', () => {
    const run0 = imageSeeds(0, 0, 10_000);
    expect(new Set(run0).size).toBe(10_000);
    const run1 = new Set(imageSeeds(1, 0, 10_000));
    expect(run0.filter((s) => run1.has(s)).length).toBeLessThan(3);
    // Not runSeed + i: image 1 of run 0 is not image 0 of run 1.
    expect(imageSeed(0, 1)).not.toBe(imageSeed(1, 0));
    for (const s of run0.slice(0, 100)) expect(s >>> 0).toBe(s);
  });

  it('matches the documented formula (murmur3 fmix32), as a Python reimplementation computes it', () => {
    // fmix32(fmix32(0 ^ 0x9E3779B9) + i), worked by hand with Python integers:
    //   c = fmix32(0x9E3779B9); seed_0 = fmix32(c)
    const fmix = (h: bigint) => {
      const M = 0xffffffffn;
      h ^= h >> 16n;
      h = (h * 0x85ebca6bn) & M;
      h ^= h >> 13n;
      h = (h * 0xc2b2ae35n) & M;
      h ^= h >> 16n;
      return h;
    };
    for (const [s, i] of [[0, 0], [0, 7], [123456789, 999], [2 ** 40 + 5, 3]] as const) {
      const c = fmix(BigInt(s % 2 ** 32) ^ 0x9e3779b9n);
      expect(imageSeed(s, i)).toBe(Number(fmix((c + BigInt(i)) & 0xffffffffn)));
    }
  });

  it('refuses bad run seeds and indices', () => {
    expect(() => imageSeed(-1, 0)).toThrow(/run seed/);
    expect(() => imageSeed(0, 2 ** 32)).toThrow(/image index/);
    expect(() => imageSeed(0, 1.5)).toThrow(/image index/);
  });
});

describe('sample with imageSeeds', () => {
  for (const [kind, eta] of [['ddpm', undefined], ['euler-a', undefined], ['ddim', 1]] as const) {
    it(`${kind}${eta ? ` η=${eta}` : ''}: image i is the same in any batch, at any position`, async () => {
      const seeds = imageSeeds(5, 0, 4);
      const whole = await run(kind, seeds, eta);
      const reversed = await run(kind, [...seeds].reverse(), eta);
      for (let i = 0; i < 4; i++) {
        const alone = await run(kind, [seeds[i]!], eta);
        const image = whole.samples.subarray(i * PER_IMAGE, (i + 1) * PER_IMAGE);
        expect(Array.from(alone.samples)).toEqual(Array.from(image));
        expect(Array.from(reversed.samples.subarray((3 - i) * PER_IMAGE, (4 - i) * PER_IMAGE))).toEqual(Array.from(image));
      }
    });
  }

  it('draws x_T for image i from its own torch stream: the batch-of-one run with seed s equals seed: s', async () => {
    const s = imageSeed(0, 3);
    const viaList = await run('ddpm', [s]);
    const viaSeed = await sample({ scheduler: createScheduler('ddpm', CONFIG), denoiser, steps: 10, seed: s });
    expect(Array.from(viaList.samples)).toEqual(Array.from(viaSeed.samples));
    // and differs from a single generator seeded with s drawing a batch of two (the old batch-wide stream)
    const batchWide = await sample({ scheduler: createScheduler('ddpm', CONFIG), denoiser, steps: 10, seed: s, batchSize: 2 });
    const perImage = await run('ddpm', [s, imageSeed(0, 4)]);
    expect(Array.from(batchWide.samples.subarray(PER_IMAGE))).not.toEqual(Array.from(perImage.samples.subarray(PER_IMAGE)));
  });

  it('refuses seed together with imageSeeds, and a seed count that does not match the batch', async () => {
    const scheduler = createScheduler('ddpm', CONFIG);
    await expect(sample({ scheduler, denoiser, steps: 2, seed: 1, imageSeeds: [1] })).rejects.toThrow(/not both/);
    await expect(sample({ scheduler, denoiser, steps: 2, batchSize: 3, imageSeeds: [1, 2] })).rejects.toThrow(/2 seed\(s\) for a batch of 3/);
    await expect(sample({ scheduler, denoiser, steps: 2, imageSeeds: [1, -2] })).rejects.toThrow(/integer ≥ 0, got -2/);
  });
});
