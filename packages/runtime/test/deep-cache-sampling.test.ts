import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createScheduler, InputError, sample, type Denoiser, type ModelCall } from '@denoise/sampler';
import { deepCacheFullCalls, loadModel, type LoadedModel } from '../src/index.js';
import { quadraticFullCalls } from '../src/deep-cache-schedule.js';
import { testModel } from './fixtures.js';

const EMBEDDED = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));
const QUADRATIC = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/parity/deepcache-quadratic-schedule.json', import.meta.url)), 'utf8')) as {
  cases: { total: number; samples: number; center: number; power: number; indices: number[] }[];
};

/** Records which calls of a run a DeepCache denoiser made, and what each returned. */
function recording(inner: Denoiser): Denoiser & { readonly calls: { call: ModelCall | undefined; output: Float32Array }[] } {
  const calls: { call: ModelCall | undefined; output: Float32Array }[] = [];
  return {
    spec: inner.spec,
    calls,
    async predict(x, t, call) {
      const output = await inner.predict(x, t, call);
      calls.push({ call, output: output.slice() });
      return output;
    },
  };
}

describe('DeepCache schedules', () => {
  it('uniform: calls 0, N, 2N, … are full', () => {
    expect(deepCacheFullCalls(7, { interval: 3 }).map(Number)).toEqual([1, 0, 0, 1, 0, 0, 1]);
  });

  it.each(QUADRATIC.cases)("quadratic: DeepCache's own sample_from_quad_center for $total calls, $samples full, center $center", (c) => {
    expect(quadraticFullCalls(c.total, c.samples, c.center, c.power)).toEqual(c.indices);
  });

  it('quadratic through the options: ceil(count / N) full calls, the first one full', () => {
    const full = deepCacheFullCalls(50, { interval: 3, schedule: 'quadratic' });
    expect(full.filter(Boolean).length).toBe(17);
    expect(full[0]).toBe(true);
  });
});

describe('loadModel with DeepCache', () => {
  let plain: LoadedModel;
  let cached: LoadedModel;
  beforeAll(async () => {
    plain = await loadModel(EMBEDDED, { threads: 1 });
    cached = await loadModel(EMBEDDED, { threads: 1, deepCache: { interval: 3 } });
  });
  afterAll(async () => {
    await plain?.dispose();
    await cached?.dispose();
  });

  it('runs full calls where the schedule says, the shallow forward between; the full ones agree with the plain model', async () => {
    expect(cached.built?.deepCache).toMatchObject({ branch: 0, maxBranch: 5 });
    expect(cached.built!.deepCache!.shallowParameterCount).toBeLessThan(0.1 * cached.built!.parameterCount);
    await cached.denoiser.warmup(2);
    const steps = 20;
    const run = async (denoiser: Denoiser, seed = 3) => sample({ scheduler: createScheduler('ddim', plain.schedulerConfig), denoiser, steps, batchSize: 2, seed });
    const withCache = recording(cached.denoiser);
    const result = await run(withCache);
    const plainRun = recording(plain.denoiser);
    const reference = await run(plainRun);
    expect(withCache.calls.map((c) => c.call)).toEqual(Array.from({ length: steps }, (_, index) => ({ index, count: steps })));
    // Call 0 is full on the same x_T: the same prediction. Later calls see other x_t, so only the images are compared.
    const first = withCache.calls[0]!.output;
    expect(Math.max(...first.map((v, i) => Math.abs(v - plainRun.calls[0]!.output[i]!)))).toBeLessThanOrEqual(1e-6);
    const meanDiff = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    const otherSeed = (await run(plain.denoiser, 4)).samples;
    // Reusing deep features changes the images (shallow calls ran), but they stay nearer the plain model's images of
    // the same x_T than those are to another x_T's.
    expect(meanDiff(result.samples, reference.samples)).toBeGreaterThan(1e-3);
    expect(meanDiff(result.samples, reference.samples)).toBeLessThan(0.5 * meanDiff(otherSeed, reference.samples));
  });

  it('refuses what it cannot do, naming the option and what is allowed', async () => {
    const refusal = (options: Parameters<typeof loadModel>[1], path = EMBEDDED) => loadModel(path, options).then(() => undefined, (e: unknown) => e);
    const interval = await refusal({ deepCache: { interval: 1 } });
    expect(interval).toBeInstanceOf(InputError);
    expect((interval as Error).message).toMatch(/--deepcache must be an integer ≥ 2/);
    const branch = await refusal({ deepCache: { interval: 3, branch: 9 } });
    expect(branch).toBeInstanceOf(InputError);
    expect((branch as Error).message).toMatch(/fmnist-unet: DeepCache branch 9 is beyond this UNet: it has 6 skip connections, so the branch is an integer 0 … 5/);
    const onnx = await refusal({ deepCache: { interval: 3 } }, testModel('float-timestep-1.onnx'));
    expect(onnx).toBeInstanceOf(InputError);
    expect((onnx as Error).message).toMatch(/an ONNX file's graph cannot be cut/);
    const center = await refusal({ deepCache: { interval: 3, center: 4 } });
    expect((center as Error).message).toMatch(/applies to the quadratic schedule only/);
  });
});
