import { describe, expect, it } from 'vitest';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateComponentFiles } from '../src/component-files.js';
import { DiffusersFolderError } from '../src/model-folder.js';
import { scratchDir, sdReferencePath } from './fixtures.js';

const locate = (dir: string, options: { variant?: string } = {}) => locateComponentFiles(dir, { component: 'text_encoder', stems: 'transformers', ...options });

describe('a text encoder folder: the weights transformers would load', () => {
  it('model.safetensors before pytorch_model.bin; a variant picks model.<variant>.*; a missing one says what is there', async () => {
    const root = scratchDir();
    cpSync(sdReferencePath('sd1-tiny/text_encoder'), root, { recursive: true });
    writeFileSync(join(root, 'pytorch_model.bin'), 'not read');
    writeFileSync(join(root, 'pytorch_model.fp16.bin'), 'not read');
    expect(await locate(root)).toEqual({
      dir: root,
      configPath: join(root, 'config.json'),
      weightsPath: join(root, 'model.safetensors'),
      weightsFormat: 'safetensors',
    });
    expect((await locate(root, { variant: 'fp16' })).weightsPath).toBe(join(root, 'model.fp16.safetensors'));
    rmSync(join(root, 'model.safetensors'));
    rmSync(join(root, 'model.fp16.safetensors'));
    expect(await locate(root)).toMatchObject({ weightsPath: join(root, 'pytorch_model.bin'), weightsFormat: 'torch-bin' });
    expect((await locate(root, { variant: 'fp16' })).weightsPath).toBe(join(root, 'pytorch_model.fp16.bin'));
    rmSync(join(root, 'pytorch_model.bin'));
    await expect(locate(root)).rejects.toThrow(
      /no model\.safetensors or pytorch_model\.bin; weights files here: pytorch_model\.fp16\.bin \(pass a variant such as fp16\)/,
    );
  });

  it('a sharded safetensors checkpoint is its index; a folder without config.json is refused, saying why', async () => {
    const root = scratchDir();
    writeFileSync(join(root, 'config.json'), '{}');
    writeFileSync(join(root, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'model-00001-of-00001.safetensors' } }));
    writeFileSync(join(root, 'model-00001-of-00001.safetensors'), '');
    expect((await locate(root)).weightsPath).toBe(join(root, 'model.safetensors.index.json'));
    rmSync(join(root, 'config.json'));
    await expect(locate(root)).rejects.toThrow(DiffusersFolderError);
    await expect(locate(root)).rejects.toThrow(/the folder has no config\.json: not a diffusers text_encoder folder/);
  });
});
