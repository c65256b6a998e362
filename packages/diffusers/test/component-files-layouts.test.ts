import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateComponentFiles } from '../src/component-files.js';
import { DiffusersFolderError } from '../src/model-folder.js';
import { scratchDir, sdReferencePath } from './fixtures.js';

describe('locateComponentFiles finds a component in its own folder or in a pipeline folder', () => {
  it("a pipeline folder's vae/, with and without the fp16 variant", async () => {
    const pipeline = sdReferencePath('sd1-tiny');
    const files = await locateComponentFiles(pipeline, { component: 'vae' });
    expect(files).toEqual({
      dir: join(pipeline, 'vae'),
      configPath: join(pipeline, 'vae', 'config.json'),
      weightsPath: join(pipeline, 'vae', 'diffusion_pytorch_model.safetensors'),
      weightsFormat: 'safetensors',
    });
    expect((await locateComponentFiles(pipeline, { component: 'vae', variant: 'fp16' })).weightsPath).toBe(join(pipeline, 'vae', 'diffusion_pytorch_model.fp16.safetensors'));
    expect((await locateComponentFiles(join(pipeline, 'vae'), { component: 'vae' })).dir).toBe(join(pipeline, 'vae'));
  });

  it('a VAE-only folder; a variant it lacks is refused, naming the weights it has', async () => {
    const folder = sdReferencePath('vae-legacy-config');
    expect((await locateComponentFiles(folder, { component: 'vae' })).weightsPath).toBe(join(folder, 'diffusion_pytorch_model.safetensors'));
    await expect(locateComponentFiles(folder, { component: 'vae', variant: 'fp16' })).rejects.toThrow(
      /no diffusion_pytorch_model\.fp16\.safetensors or diffusion_pytorch_model\.fp16\.bin; weights files here: diffusion_pytorch_model\.safetensors$/,
    );
  });

  it('safetensors before .bin; .bin alone is read as a torch file; no config.json is refused', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'diffusion_pytorch_model.bin'), '');
    await expect(locateComponentFiles(dir, { component: 'vae' })).rejects.toThrow(DiffusersFolderError);
    await expect(locateComponentFiles(dir, { component: 'vae' })).rejects.toThrow(/the folder has no config\.json: not a diffusers vae folder/);
    writeFileSync(join(dir, 'config.json'), '{}');
    expect(await locateComponentFiles(dir, { component: 'vae' })).toMatchObject({ weightsPath: join(dir, 'diffusion_pytorch_model.bin'), weightsFormat: 'torch-bin' });
    writeFileSync(join(dir, 'diffusion_pytorch_model.safetensors'), '');
    expect(await locateComponentFiles(dir, { component: 'vae' })).toMatchObject({ weightsFormat: 'safetensors' });
    writeFileSync(join(dir, 'model_index.json'), '{}');
    await expect(locateComponentFiles(dir, { component: 'vae' })).rejects.toThrow(/the pipeline's vae\/ folder has no config\.json/);
  });
});
