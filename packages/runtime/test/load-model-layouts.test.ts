import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../src/load-model.js';
import { testModel } from './fixtures.js';

describe('loadModel finds the model and its scheduler config in the three layouts', () => {
  it('a folder with model.onnx + scheduler_config.json', async () => {
    const model = await loadModel(testModel('closed-form'));
    expect(model.modelPath).toBe(join(testModel('closed-form'), 'model.onnx'));
    expect(model.schedulerConfigPath).toBe(join(testModel('closed-form'), 'scheduler_config.json'));
    expect(model.schedulerConfig).toMatchObject({ _class_name: 'DDPMScheduler', beta_schedule: 'linear' });
    expect(model.sha256).toBe(createHash('sha256').update(readFileSync(model.modelPath)).digest('hex'));
    expect(model.executionProvider).toBe('cpu');
    await model.dispose();
  });

  it('a diffusers folder with unet/model.onnx + scheduler/scheduler_config.json', async () => {
    const model = await loadModel(testModel('diffusers-layout'));
    expect(model.modelPath).toBe(join(testModel('diffusers-layout'), 'unet', 'model.onnx'));
    expect(model.schedulerConfigPath).toBe(join(testModel('diffusers-layout'), 'scheduler', 'scheduler_config.json'));
    await model.dispose();
  });

  it('a bare .onnx file, with the config beside it when there is one', async () => {
    const bare = await loadModel(testModel('fp16io.onnx'));
    expect(bare.schedulerConfigPath).toBeUndefined();
    await bare.dispose();
    const inFolder = await loadModel(testModel('closed-form/model.onnx'));
    expect(inFolder.schedulerConfigPath).toBe(join(testModel('closed-form'), 'scheduler_config.json'));
    await inFolder.dispose();
  });
});
