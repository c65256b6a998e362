import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '@denoise/sampler';
import { loadModel, ModelLoadError, type LoadModelOptions } from '../src/index.js';

const FMNIST = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));
const FMNIST_ONNX = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet-onnx/model.onnx', import.meta.url));

describe('int8 load options are refused naming the option and what is allowed', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['precision int4', { precision: 'int4' }, 'precision', /precision must be one of float32, int8, got 'int4'/],
    ['runs 0', { precision: 'int8', int8: { runs: 0 } }, 'int8.runs', /int8\.runs must be an integer ≥ 1, got 0/],
    ['steps 2.5', { precision: 'int8', int8: { steps: 2.5 } }, 'int8.steps', /int8\.steps must be an integer ≥ 1, got 2\.5/],
    ['seed -1', { precision: 'int8', int8: { seed: -1 } }, 'int8.seed', /int8\.seed must be an integer ≥ 0, got -1/],
    ['an unknown method', { precision: 'int8', int8: { method: 'entropy' } }, 'int8.method', /int8\.method must be one of minmax, percentile, got 'entropy'/],
    ['an unknown sampler', { precision: 'int8', int8: { sampler: 'ddpm2' } }, 'int8.sampler', /int8\.sampler must be one of ddpm, ddim, .*got 'ddpm2'/],
    ['an unknown key', { precision: 'int8', int8: { run: 2 } }, 'int8.run', /unknown int8 option 'run'; allowed: method, runs, steps, seed, sampler, cacheDir, log/],
  ];
  for (const [what, options, key, message] of cases) {
    it(what, async () => {
      const load = loadModel(FMNIST, options as LoadModelOptions);
      await expect(load).rejects.toBeInstanceOf(InputError);
      await expect(load).rejects.toMatchObject({ key });
      await expect(load).rejects.toThrow(message);
    });
  }
});

describe('int8 precision is refused for what it cannot quantize, naming the model and what is supported', () => {
  it('an exported .onnx file', async () => {
    const load = loadModel(FMNIST_ONNX, { precision: 'int8' });
    await expect(load).rejects.toBeInstanceOf(ModelLoadError);
    await expect(load).rejects.toThrow(`${FMNIST_ONNX}: precision 'int8' is supported for a diffusers UNet2DModel folder (config.json + weights) on the cpu execution provider, not for an ONNX file`);
  });
});
