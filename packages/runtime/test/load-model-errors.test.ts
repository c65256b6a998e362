import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/load-model.js';
import { ModelLoadError } from '../src/model-errors.js';
import { testModel } from './fixtures.js';

describe('loadModel rejects what it cannot run, naming the file and the problem', () => {
  const cases: [string, RegExp][] = [
    ['does-not-exist.onnx', /does-not-exist\.onnx: no such file or folder/],
    ['bad', /bad: the folder holds no model: expected model\.onnx, unet\/model\.onnx, a diffusers UNet folder \(config\.json \+ diffusion_pytorch_model\.safetensors\|\.bin\) or a pipeline folder/],
    ['bad/not-onnx.onnx', /not-onnx\.onnx: not an ONNX file/],
    ['bad/truncated.onnx', /truncated\.onnx: truncated or corrupt ONNX file/],
    ['bad/rank3-sample.onnx', /rank3-sample\.onnx: the sample input 'sample' has rank 3, not 4.*declares inputs \{sample: float32 \[batch, 8, 8\]/],
    ['bad/bool-timestep.onnx', /bool-timestep\.onnx: the timestep input 'timestep' is bool.*expected: a sample input/],
    ['bad/ambiguous-outputs.onnx', /ambiguous-outputs\.onnx: 2 outputs and none named out_sample/],
  ];
  for (const [name, message] of cases) {
    it(name, async () => {
      const load = loadModel(testModel(name));
      await expect(load).rejects.toBeInstanceOf(ModelLoadError);
      await expect(loadModel(testModel(name))).rejects.toThrow(message);
    });
  }

  it('rejects a bad thread count naming the option', async () => {
    await expect(loadModel(testModel('closed-form'), { threads: 0 })).rejects.toThrow(/threads must be an integer ≥ 1, got 0/);
  });
});
