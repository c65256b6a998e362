import { afterAll, describe, expect, it } from 'vitest';
import { AffineDenoiser } from '@denoise/sampler';
import { loadModel, type LoadedModel } from '../src/load-model.js';
import { testModel } from './fixtures.js';

const loaded: LoadedModel[] = [];
afterAll(async () => {
  await Promise.all(loaded.map((m) => m.dispose()));
});
async function load(name: string): Promise<LoadedModel> {
  const model = await loadModel(testModel(name), { threads: 1 });
  loaded.push(model);
  return model;
}

function ramp(length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37) * 1.5);
}

describe('OnnxDenoiser adapts to the signature the model declares', () => {
  const cases: [string, Partial<Record<string, unknown>>, number][] = [
    ['closed-form', { sampleDtype: 'float32', timestepDtype: 'int64', timestepLayout: 'per-item', output: 'out_sample' }, 0],
    ['int32-scalar-timestep.onnx', { timestepDtype: 'int32', timestepLayout: 'scalar', output: 'sample_out' }, 0],
    ['float-timestep-1.onnx', { timestepDtype: 'float32', timestepLayout: 'single', output: 'sample_pred' }, 0],
    ['float16-timestep.onnx', { timestepDtype: 'float16', timestepLayout: 'per-item' }, 0],
    ['two-outputs.onnx', { output: 'out_sample' }, 0],
    // float16 in and out: the boundary rounds to 11 significant bits, relative error ≤ 2^-11 per conversion.
    ['fp16io.onnx', { sampleDtype: 'float16', outputDtype: 'float16' }, 2e-3],
  ];
  for (const [name, expected, tolerance] of cases) {
    it(`${name}: ${JSON.stringify(expected)}`, async () => {
      const model = await load(name);
      expect(model.signature).toMatchObject(expected);
      const sample = ramp(3 * 64);
      const reference = new AffineDenoiser();
      for (const t of [999, 500, 1]) {
        const want = Array.from(await reference.predict(sample, t));
        const got = Array.from(await model.denoiser.predict(sample, t));
        expect(got.length).toBe(want.length);
        got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(want[i]!)) + 1e-6));
      }
    });
  }

  it('passes a learned-variance model 2C channels through', async () => {
    const model = await load('learned-variance');
    expect(model.denoiser.spec).toMatchObject({ channels: 1, outputChannels: 2 });
    const out = await model.denoiser.predict(ramp(2 * 64), 10);
    expect(out.length).toBe(2 * 2 * 64);
    expect(Array.from(out.subarray(64, 128)).every((v) => v === 0)).toBe(true);
  });

  it('reads RGB models and a fixed batch size', async () => {
    expect((await load('rgb')).denoiser.spec).toMatchObject({ channels: 3, height: 16, width: 16 });
    const fixed = await load('static-batch-2.onnx');
    expect(fixed.denoiser.spec.fixedBatchSize).toBe(2);
    await expect(fixed.denoiser.predict(ramp(3 * 64), 1)).rejects.toThrow(/fixed to batch 2, got a batch of 3/);
  });

  it('returns the same bytes for the same input, run after run', async () => {
    const model = await load('closed-form');
    const a = Float32Array.from(await model.denoiser.predict(ramp(64), 321));
    const b = Float32Array.from(await model.denoiser.predict(ramp(64), 321));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
});
