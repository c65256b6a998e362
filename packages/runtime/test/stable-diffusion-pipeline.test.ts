import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '@denoise/image';
import { parsePythonJson } from '@denoise/schedule';
import { ModelLoadError, openModel, type LoadedPipeline } from '../src/index.js';

/**
 * A Stable Diffusion pipeline folder opened by openModel: the token ids of every txt2img case's prompt and negative
 * prompt are diffusers' exactly, and the text encoder's prompt embeddings match within the component rule
 * (2e-5 · max(1, max|ref|)); what a broken folder lacks is refused naming the file before any session runs.
 */
const ROOT = fileURLToPath(new URL('../../../fixtures/diffusers-sd/', import.meta.url));

interface E2eCase {
  readonly name: string;
  readonly call: { readonly prompt: string; readonly negative_prompt: string; readonly guidance_scale: number; readonly num_images_per_prompt: number };
  readonly outputs: Record<string, { readonly file: string }>;
}

function e2eCases(folder: string): readonly E2eCase[] {
  return (parsePythonJson(readFileSync(join(ROOT, folder, 'cases.json'), 'utf8')) as { components: { e2e: { cases: E2eCase[] } } }).components.e2e.cases;
}

describe.each(['sd1-tiny', 'sd2-tiny'])('%s opened as a text-to-image pipeline', (folder) => {
  let pipeline: LoadedPipeline;
  beforeAll(async () => {
    const model = await openModel(join(ROOT, folder), { threads: 1 });
    if (model.kind !== 'text-to-image') throw new Error(`${folder} opened as ${model.kind}`);
    pipeline = model;
  });
  afterAll(async () => pipeline?.dispose());

  it('knows its parts: StableDiffusionPipeline, 4 latent channels, VAE factor 2, default 32×32', () => {
    expect(pipeline).toMatchObject({ pipelineClass: 'StableDiffusionPipeline', latentChannels: 4, vaeScaleFactor: 2, defaultSize: { height: 32, width: 32 }, maxTokens: 77 });
    expect(pipeline.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pipeline.components.unet.parameterCount).toBeGreaterThan(0);
  });

  it.each(e2eCases(folder).map((c) => ({ name: c.name, c })))('$name: input ids exact, prompt embeddings within 2e-5', async ({ c }) => {
    const ids = pipeline.tokenize([c.call.prompt]);
    expect(Array.from(ids.ids)).toEqual(Array.from((await readNpy(join(ROOT, folder, c.outputs['input_ids']!.file))).data as BigInt64Array, Number));
    const guided = c.call.guidance_scale > 1;
    if (guided) {
      const negative = pipeline.tokenize([c.call.negative_prompt]);
      expect(Array.from(negative.ids)).toEqual(Array.from((await readNpy(join(ROOT, folder, c.outputs['negative_input_ids']!.file))).data as BigInt64Array, Number));
    }
    // prompt_embeds: [negatives × n, prompts × n] with guidance, else [prompts × n].
    const n = c.call.num_images_per_prompt;
    const prompts = [...(guided ? new Array<string>(n).fill(c.call.negative_prompt) : []), ...new Array<string>(n).fill(c.call.prompt)];
    const embeddings = await pipeline.textToImageModel().encodePrompts(prompts);
    const reference = (await readNpy(join(ROOT, folder, c.outputs['prompt_embeds']!.file))).data as Float32Array;
    expect(embeddings.data.length).toBe(reference.length);
    let diff = 0;
    let maxRef = 0;
    for (let i = 0; i < reference.length; i++) {
      diff = Math.max(diff, Math.abs(embeddings.data[i]! - reference[i]!));
      maxRef = Math.max(maxRef, Math.abs(reference[i]!));
    }
    expect(diff).toBeLessThanOrEqual(2e-5 * Math.max(1, maxRef));
  });
});

describe('a Stable Diffusion folder that cannot be run is refused before any model call, naming what is wrong', () => {
  const broken = (edit: (dir: string) => void): string => {
    const dir = mkdtempSync(join(tmpdir(), 'denoise-sd-'));
    cpSync(join(ROOT, 'sd1-tiny'), dir, { recursive: true });
    edit(dir);
    return dir;
  };

  it('a missing component folder, a tokenizer whose files disagree, a text encoder too narrow for the UNet', async () => {
    await expect(openModel(broken((dir) => rmSync(join(dir, 'vae'), { recursive: true })))).rejects.toThrow(/vae\/ has no config\.json \(model_index\.json names it as a component\)/);
    const tokenizer = broken((dir) => {
      const path = join(dir, 'tokenizer', 'special_tokens_map.json');
      const map = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      writeFileSync(path, JSON.stringify({ ...map, eos_token: '<|startoftext|>' }));
    });
    await expect(openModel(tokenizer)).rejects.toThrow(ModelLoadError);
    await expect(openModel(tokenizer)).rejects.toThrow(/eos/);
    const narrow = broken((dir) => {
      const path = join(dir, 'unet', 'config.json');
      writeFileSync(path, JSON.stringify({ ...(JSON.parse(readFileSync(path, 'utf8')) as object), cross_attention_dim: 16 }));
    });
    await expect(openModel(narrow)).rejects.toThrow(ModelLoadError);
  });

  it('pipelines denoise does not run are refused naming the class and what runs', async () => {
    const sdxl = broken((dir) => {
      const path = join(dir, 'model_index.json');
      writeFileSync(path, JSON.stringify({ ...(JSON.parse(readFileSync(path, 'utf8')) as object), _class_name: 'StableDiffusionXLPipeline' }));
    });
    await expect(openModel(sdxl)).rejects.toThrow(/StableDiffusionXLPipeline, whose unet is a UNet2DConditionModel, is not supported; denoise runs StableDiffusionPipeline/);
    await expect(openModel(join(ROOT, 'sdxl-tiny'))).rejects.toThrow(/StableDiffusionXLPipeline, whose unet is a UNet2DConditionModel, is not supported/);
    const sdxlUNet = broken((dir) => {
      rmSync(join(dir, 'unet'), { recursive: true });
      cpSync(join(ROOT, 'sdxl-tiny', 'unet'), join(dir, 'unet'), { recursive: true });
    });
    await expect(openModel(sdxlUNet)).rejects.toThrow(/unet\/config\.json: addition_embed_type "text_time": an SDXL UNet, which StableDiffusionXLPipeline runs with pooled text_embeds and time_ids/);
  });
});
