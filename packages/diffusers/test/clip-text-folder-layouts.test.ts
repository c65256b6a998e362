import { describe, expect, it } from 'vitest';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateClipTextFolder } from '../src/clip-text-folder.js';
import { DiffusersFolderError } from '../src/model-folder.js';
import { scratchDir, sdReferenceFolder } from './fixtures.js';

describe('locateClipTextFolder finds the weights transformers would load', () => {
  it('model.safetensors before pytorch_model.bin; a variant picks model.<variant>.*; a missing one says what is there', async () => {
    const root = scratchDir();
    cpSync(sdReferenceFolder('sd1-tiny/text_encoder'), root, { recursive: true });
    writeFileSync(join(root, 'pytorch_model.bin'), 'not read');
    writeFileSync(join(root, 'pytorch_model.fp16.bin'), 'not read');
    expect(await locateClipTextFolder(root)).toEqual({
      dir: root,
      configPath: join(root, 'config.json'),
      weightsPath: join(root, 'model.safetensors'),
      weightsFormat: 'safetensors',
    });
    expect((await locateClipTextFolder(root, { variant: 'fp16' })).weightsPath).toBe(join(root, 'model.fp16.safetensors'));
    rmSync(join(root, 'model.safetensors'));
    rmSync(join(root, 'model.fp16.safetensors'));
    expect(await locateClipTextFolder(root)).toMatchObject({ weightsPath: join(root, 'pytorch_model.bin'), weightsFormat: 'torch-bin' });
    expect((await locateClipTextFolder(root, { variant: 'fp16' })).weightsPath).toBe(join(root, 'pytorch_model.fp16.bin'));
    rmSync(join(root, 'pytorch_model.bin'));
    await expect(locateClipTextFolder(root)).rejects.toThrow(
      /no model\.safetensors or pytorch_model\.bin; weights files here: pytorch_model\.fp16\.bin \(pass a variant such as fp16\)/,
    );
  });

  it('a sharded checkpoint and a folder without config.json are refused, saying why', async () => {
    const root = scratchDir();
    writeFileSync(join(root, 'config.json'), '{}');
    writeFileSync(join(root, 'model.safetensors.index.json'), '{}');
    await expect(locateClipTextFolder(root)).rejects.toThrow(/model\.safetensors\.index\.json is a sharded checkpoint/);
    rmSync(join(root, 'config.json'));
    await expect(locateClipTextFolder(root)).rejects.toThrow(DiffusersFolderError);
    await expect(locateClipTextFolder(root)).rejects.toThrow(/no config\.json: not a transformers model folder/);
  });
});
