import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildUNetModel, locateDiffusersUNet } from '@denoise/diffusers';
import { loadModel } from '../src/load-model.js';
import { ModelLoadError } from '../src/model-errors.js';

const cifarTiny = fileURLToPath(new URL('../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny', import.meta.url));

/** A self-contained .onnx (weights embedded) whose sample input is [batch, 3, height, width], as real exports declare. */
async function symbolicOnnx(): Promise<string> {
  const built = await buildUNetModel(await locateDiffusersUNet(cifarTiny), { storage: 'embedded' });
  expect(built.externalDataFolder).toBeUndefined();
  const dir = mkdtempSync(join(tmpdir(), 'denoise-symbolic-'));
  writeFileSync(join(dir, 'model.onnx'), built.bytes);
  copyFileSync(fileURLToPath(new URL('../../../fixtures/models/fmnist-unet/scheduler_config.json', import.meta.url)), join(dir, 'scheduler_config.json'));
  return join(dir, 'model.onnx');
}

describe('models with symbolic height and width', () => {
  it('take the size asked for, and give the same output as the folder they were built from', async () => {
    const path = await symbolicOnnx();
    const onnx = await loadModel(path, { threads: 1, sampleShape: { height: 24, width: 32 } });
    expect(onnx.signature).toMatchObject({ channels: 3, height: 24, width: 32 });
    const folder = await loadModel(cifarTiny, { threads: 1, sampleShape: { height: 24, width: 32 } });
    const sample = Float32Array.from({ length: 2 * 3 * 24 * 32 }, (_, i) => Math.sin(i));
    const a = Float32Array.from(await onnx.denoiser.predict(sample, 321));
    const b = await folder.denoiser.predict(sample, 321);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-6);
    await onnx.dispose();
    await folder.dispose();
  });

  it('are refused when no size is given and the model has no default, saying which flags give one', async () => {
    await expect(loadModel(await symbolicOnnx())).rejects.toThrow(ModelLoadError);
    await expect(loadModel(await symbolicOnnx())).rejects.toThrow(/symbolic height and no size was given: give a height and width, or noise of that shape/);
  });

  it('a diffusers folder defaults to the config sample_size', async () => {
    const model = await loadModel(cifarTiny, { threads: 1 });
    expect(model.signature).toMatchObject({ channels: 3, height: 16, width: 16 });
    expect(model.built).toMatchObject({ weightsFormat: 'safetensors', parameterCount: 143_267 });
    await model.dispose();
  });
});
