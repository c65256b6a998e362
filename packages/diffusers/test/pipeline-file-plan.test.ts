import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ModelFilePlanError } from '../src/file-plan-error.js';
import { locateDiffusersModel } from '../src/model-folder.js';
import { modelPlanPaths, planModelFiles } from '../src/model-file-plan.js';

const SD1_TINY = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sd1-tiny', import.meta.url));

const INDEX = {
  _class_name: 'StableDiffusionPipeline',
  unet: ['diffusers', 'UNet2DConditionModel'],
  vae: ['diffusers', 'AutoencoderKL'],
  text_encoder: ['transformers', 'CLIPTextModel'],
  tokenizer: ['transformers', 'CLIPTokenizer'],
  scheduler: ['diffusers', 'PNDMScheduler'],
  safety_checker: ['stable_diffusion', 'StableDiffusionSafetyChecker'],
  feature_extractor: ['transformers', 'CLIPImageProcessor'],
};

const FILES = [
  'model_index.json',
  'unet/config.json',
  'unet/diffusion_pytorch_model.safetensors',
  'unet/diffusion_pytorch_model.fp16.safetensors',
  'vae/config.json',
  'vae/diffusion_pytorch_model.safetensors',
  'text_encoder/config.json',
  'text_encoder/model.safetensors',
  'text_encoder/pytorch_model.bin',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'tokenizer/special_tokens_map.json',
  'scheduler/scheduler_config.json',
  'safety_checker/config.json',
  'safety_checker/model.safetensors',
  'v1-5-pruned.ckpt',
];

const plan = (files: readonly string[], index: unknown = INDEX, options: { variant?: string; json?: Record<string, unknown> } = {}) =>
  planModelFiles(files, {
    ...(options.variant ? { variant: options.variant } : {}),
    readJson: async (path) => (path.endsWith('model_index.json') ? index : options.json?.[path]),
  });

/** The plan of a pipeline (a UNet2DModel's plan fails the test). */
const pipelinePlan = async (files: readonly string[], index: unknown = INDEX) => {
  const planned = await plan(files, index);
  if (planned.kind !== 'pipeline') throw new Error(`planned as ${planned.kind}`);
  return planned;
};

describe('the files a Stable Diffusion pipeline needs, from its file list', () => {
  it('one weights file per component (safetensors before .bin), the tokenizer, the scheduler; never the safety checker or a .ckpt', async () => {
    const result = await plan(FILES);
    expect(result.kind).toBe('pipeline');
    expect(modelPlanPaths(result)).toEqual([
      'model_index.json',
      'unet/config.json',
      'unet/diffusion_pytorch_model.safetensors',
      'vae/config.json',
      'vae/diffusion_pytorch_model.safetensors',
      'text_encoder/config.json',
      'text_encoder/model.safetensors',
      'tokenizer/vocab.json',
      'tokenizer/merges.txt',
      'tokenizer/special_tokens_map.json',
      'scheduler/scheduler_config.json',
    ]);
    if (result.kind === 'pipeline') expect(result.unused).toEqual(['safety_checker', 'feature_extractor']);
  });

  it('--variant fp16 takes each component’s fp16 file where it has one and says which components lack it', async () => {
    const result = await plan(FILES, INDEX, { variant: 'fp16' });
    if (result.kind !== 'pipeline') throw new Error('expected a pipeline plan');
    expect(result.unet.weights).toBe('unet/diffusion_pytorch_model.fp16.safetensors');
    expect(result.unet.variantMissing).toBeUndefined();
    expect(result.vae).toMatchObject({ weights: 'vae/diffusion_pytorch_model.safetensors', variantMissing: 'fp16' });
  });

  it('a sharded checkpoint: the index and every shard it names, once each', async () => {
    const files = FILES.filter((f) => f !== 'unet/diffusion_pytorch_model.safetensors' && !f.includes('fp16')).concat([
      'unet/diffusion_pytorch_model.safetensors.index.json',
      'unet/diffusion_pytorch_model-00001-of-00002.safetensors',
      'unet/diffusion_pytorch_model-00002-of-00002.safetensors',
    ]);
    const weightMap = { a: 'diffusion_pytorch_model-00001-of-00002.safetensors', b: 'diffusion_pytorch_model-00002-of-00002.safetensors', c: 'diffusion_pytorch_model-00001-of-00002.safetensors' };
    const result = await plan(files, INDEX, { json: { 'unet/diffusion_pytorch_model.safetensors.index.json': { weight_map: weightMap } } });
    if (result.kind !== 'pipeline') throw new Error('expected a pipeline plan');
    expect(result.unet.shards).toEqual(['unet/diffusion_pytorch_model-00001-of-00002.safetensors', 'unet/diffusion_pytorch_model-00002-of-00002.safetensors']);
    await expect(plan(files, INDEX, { json: { 'unet/diffusion_pytorch_model.safetensors.index.json': { weight_map: { a: '../../etc/passwd' } } } })).rejects.toThrow(
      /not a file beside the index/,
    );
  });

  it('refuses a missing component, a component of another class and an unsupported pipeline, naming them', async () => {
    await expect(plan(FILES.filter((f) => !f.startsWith('vae/diffusion')))).rejects.toThrow(/vae\/ has no diffusion_pytorch_model\.safetensors or diffusion_pytorch_model\.bin/);
    await expect(plan(FILES.filter((f) => f !== 'tokenizer/merges.txt'))).rejects.toThrow(/tokenizer\/merges\.txt does not exist/);
    await expect(plan(FILES, { ...INDEX, text_encoder: ['transformers', 'T5EncoderModel'] })).rejects.toThrow(
      /needs a 'text_encoder' component of class CLIPTextModel; it is a T5EncoderModel/,
    );
    await expect(plan(FILES, { ...INDEX, _class_name: 'StableDiffusionControlNetPipeline' })).rejects.toThrow(ModelFilePlanError);
    await expect(plan(FILES, { ...INDEX, _class_name: 'StableDiffusionControlNetPipeline' })).rejects.toThrow(
      /StableDiffusionControlNetPipeline, whose unet is a UNet2DConditionModel, is not supported; denoise runs StableDiffusionPipeline/,
    );
    // SDXL: the second text encoder and tokenizer must be there, of their classes; force_zeros_for_empty_prompt a boolean.
    const sdxl = { ...INDEX, _class_name: 'StableDiffusionXLPipeline', text_encoder_2: ['transformers', 'CLIPTextModelWithProjection'], tokenizer_2: ['transformers', 'CLIPTokenizer'] };
    await expect(plan(FILES, { ...sdxl, text_encoder_2: ['transformers', 'CLIPTextModel'] })).rejects.toThrow(/needs a 'text_encoder_2' component of class CLIPTextModelWithProjection; it is a CLIPTextModel/);
    await expect(plan(FILES, sdxl)).rejects.toThrow(/text_encoder_2\/ has no/);
    const sdxlFiles = [...FILES, 'text_encoder_2/config.json', 'text_encoder_2/model.safetensors', 'tokenizer_2/vocab.json', 'tokenizer_2/merges.txt'];
    const planned = await pipelinePlan(sdxlFiles, sdxl);
    expect(planned.textEncoders.map((t) => [t.encoder.weights, t.tokenizer.dir])).toEqual([
      ['text_encoder/model.safetensors', 'tokenizer/'],
      ['text_encoder_2/model.safetensors', 'tokenizer_2/'],
    ]);
    expect(planned.forceZerosForEmptyPrompt).toBe(true);
    expect((await pipelinePlan(sdxlFiles, { ...sdxl, force_zeros_for_empty_prompt: false })).forceZerosForEmptyPrompt).toBe(false);
    await expect(plan(sdxlFiles, { ...sdxl, force_zeros_for_empty_prompt: 'yes' })).rejects.toThrow(/force_zeros_for_empty_prompt must be true or false, got "yes"/);
    expect((await pipelinePlan(FILES)).forceZerosForEmptyPrompt).toBe(false);
  });

  it('locates the reference sd1-tiny folder on disk as a pipeline', async () => {
    const located = await locateDiffusersModel(SD1_TINY);
    expect(located.kind).toBe('pipeline');
    if (located.kind === 'pipeline') expect(located.folder.path(located.folder.plan.textEncoders[0]!.encoder.weights)).toBe(`${SD1_TINY}/text_encoder/model.safetensors`);
  });
});
