import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateDiffusersUNet, DiffusersFolderError } from '../src/model-folder.js';
import { referenceFolder, scratchDir } from './fixtures.js';

function pipelineFolder(unetClass = 'UNet2DModel'): string {
  const root = scratchDir();
  cpSync(referenceFolder('ddpm-cifar10-32-tiny'), join(root, 'unet'), { recursive: true });
  mkdirSync(join(root, 'scheduler'));
  writeFileSync(join(root, 'scheduler', 'scheduler_config.json'), JSON.stringify({ _class_name: 'DDPMScheduler' }));
  writeFileSync(
    join(root, 'model_index.json'),
    JSON.stringify({ _class_name: 'DDPMPipeline', unet: ['diffusers', unetClass], scheduler: ['diffusers', 'DDPMScheduler'] }),
  );
  return root;
}

describe('locateDiffusersUNet finds the files of the folder layouts users have', () => {
  it('a pipeline folder: model_index.json + unet/ + scheduler/', async () => {
    const root = pipelineFolder();
    const found = await locateDiffusersUNet(root);
    expect(found).toMatchObject({
      layout: 'pipeline',
      unetDir: join(root, 'unet'),
      weightsPath: join(root, 'unet', 'diffusion_pytorch_model.safetensors'),
      schedulerConfigPath: join(root, 'scheduler', 'scheduler_config.json'),
    });
  });

  it('a pipeline whose unet is another class is refused, naming the classes found', async () => {
    await expect(locateDiffusersUNet(pipelineFolder('UNet2DConditionModel'))).rejects.toThrow(
      /DDPMPipeline, whose unet is a UNet2DConditionModel, is not supported; denoise runs StableDiffusionPipeline, StableDiffusionImg2ImgPipeline, LatentConsistencyModelPipeline, StableDiffusionXLPipeline and pipelines whose unet is a UNet2DModel \(components: unet: UNet2DConditionModel, scheduler: DDPMScheduler\)/,
    );
  });

  it('safetensors before .bin; --variant fp16 picks the fp16 file; a missing variant says what is there', async () => {
    const root = scratchDir();
    cpSync(referenceFolder('ddpm-cifar10-32-tiny'), root, { recursive: true });
    writeFileSync(join(root, 'diffusion_pytorch_model.bin'), 'not read');
    expect((await locateDiffusersUNet(root)).weightsFormat).toBe('safetensors');
    expect((await locateDiffusersUNet(root, { variant: 'fp16' })).weightsPath).toBe(join(root, 'diffusion_pytorch_model.fp16.safetensors'));
    rmSync(join(root, 'diffusion_pytorch_model.safetensors'));
    expect((await locateDiffusersUNet(root)).weightsFormat).toBe('torch-bin');
    await expect(locateDiffusersUNet(root, { variant: 'bf16' })).rejects.toThrow(DiffusersFolderError);
    rmSync(join(root, 'diffusion_pytorch_model.bin'));
    await expect(locateDiffusersUNet(root)).rejects.toThrow(
      /no diffusion_pytorch_model\.safetensors or diffusion_pytorch_model\.bin; weights files here: diffusion_pytorch_model\.fp16\.safetensors \(pass --variant/,
    );
    renameSync(join(root, 'config.json'), join(root, 'other.json'));
    await expect(locateDiffusersUNet(root)).rejects.toThrow(/neither model_index\.json nor config\.json/);
  });
});
