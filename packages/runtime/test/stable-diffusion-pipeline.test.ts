import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '@denoise/image';
import { parsePythonJson } from '@denoise/schedule';
import { ModelLoadError, openModel, type LoadedPipeline } from '../src/index.js';

/**
 * A Stable Diffusion (or SDXL) pipeline folder opened by openModel: the token ids of every txt2img case's prompt and
 * negative prompt are diffusers' exactly, and the prompt embeddings (SDXL: both encoders' penultimate states side by
 * side, the pooled add_text_embeds, zeros for a missing negative prompt) match within the component rule
 * (2e-5 · max(1, max|ref|)); what a broken folder lacks is refused naming the file before any session runs.
 */
const ROOT = fileURLToPath(new URL('../../../fixtures/diffusers-sd/', import.meta.url));

interface E2eCase {
  readonly name: string;
  readonly call: { readonly pipeline: string; readonly prompt: string; readonly negative_prompt: string | null; readonly guidance_scale: number; readonly num_images_per_prompt: number };
  readonly outputs: Record<string, { readonly file: string }>;
}

function e2eCases(folder: string): readonly E2eCase[] {
  return (parsePythonJson(readFileSync(join(ROOT, folder, 'cases.json'), 'utf8')) as { components: { e2e: { cases: E2eCase[] } } }).components.e2e.cases;
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let diff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  expect(diff, what).toBeLessThanOrEqual(2e-5 * Math.max(1, maxRef));
}

describe.each(['sd1-tiny', 'sd2-tiny', 'sdxl-tiny'])('%s opened as a text-to-image pipeline', (folder) => {
  let pipeline: LoadedPipeline;
  beforeAll(async () => {
    const model = await openModel(join(ROOT, folder), { threads: 1 });
    if (model.kind !== 'text-to-image') throw new Error(`${folder} opened as ${model.kind}`);
    pipeline = model;
  });
  afterAll(async () => pipeline?.dispose());

  it('knows its parts: its pipeline class, 4 latent channels, VAE factor 2, default 32×32', () => {
    const sdxl = folder === 'sdxl-tiny';
    expect(pipeline).toMatchObject({
      pipelineClass: sdxl ? 'StableDiffusionXLPipeline' : 'StableDiffusionPipeline',
      latentChannels: 4,
      vaeScaleFactor: 2,
      defaultSize: { height: 32, width: 32 },
      maxTokens: 77,
      defaultGuidanceScale: sdxl ? 5 : 7.5,
    });
    expect(pipeline.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(pipeline.components)).toEqual(['unet', 'vae', 'text_encoder', ...(sdxl ? ['text_encoder_2'] : [])]);
    expect(pipeline.components['unet']!.parameterCount).toBeGreaterThan(0);
  });

  it.each(e2eCases(folder).map((c) => ({ name: c.name, c })))('$name: input ids exact, prompt embeddings within 2e-5', async ({ c }) => {
    // The first tokenizer's ids (SDXL's input_ids hold tokenizer_2's as a second row, the same text).
    const firstRow = async (role: string) => Array.from((await readNpy(join(ROOT, folder, c.outputs[role]!.file))).data as BigInt64Array, Number).slice(0, 77);
    expect(Array.from(pipeline.tokenize([c.call.prompt]).ids)).toEqual(await firstRow('input_ids'));
    const guided = c.call.guidance_scale > 1;
    if (guided && c.call.negative_prompt !== null) expect(Array.from(pipeline.tokenize([c.call.negative_prompt]).ids)).toEqual(await firstRow('negative_input_ids'));
    // prompt_embeds (and SDXL's add_text_embeds): [negatives × n, prompts × n] with guidance, else [prompts × n].
    const n = c.call.num_images_per_prompt;
    const model = pipeline.textToImageModel();
    const promptRows = await model.encodePrompts(new Array<string>(n).fill(c.call.prompt), 'prompt');
    const negativeRows = guided ? await model.encodePrompts(new Array<string | null>(n).fill(c.call.negative_prompt), 'negative') : undefined;
    const stacked = (part: (t: typeof promptRows) => Float32Array | undefined) => Float32Array.from([...(negativeRows ? part(negativeRows)! : []), ...part(promptRows)!]);
    expectClose(stacked((t) => t.data), (await readNpy(join(ROOT, folder, c.outputs['prompt_embeds']!.file))).data as Float32Array, 'prompt_embeds');
    if (folder === 'sdxl-tiny') {
      expectClose(stacked((t) => t.pooled?.data), (await readNpy(join(ROOT, folder, c.outputs['add_text_embeds']!.file))).data as Float32Array, 'add_text_embeds');
      // negative_prompt=None under force_zeros_for_empty_prompt: exact zeros, embeddings and pooled.
      if (guided && c.call.negative_prompt === null) expect([...negativeRows!.data, ...negativeRows!.pooled!.data].every((v) => v === 0)).toBe(true);
    } else {
      expect(promptRows.pooled).toBeUndefined();
    }
  });
});

describe('SDXL with force_zeros_for_empty_prompt false', () => {
  it('encodes a missing negative prompt as the empty prompt, not zeros', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'denoise-sdxl-'));
    cpSync(join(ROOT, 'sdxl-tiny'), dir, { recursive: true });
    const index = join(dir, 'model_index.json');
    writeFileSync(index, JSON.stringify({ ...(JSON.parse(readFileSync(index, 'utf8')) as object), force_zeros_for_empty_prompt: false }));
    const model = await openModel(dir, { threads: 1 });
    if (model.kind !== 'text-to-image') throw new Error(`opened as ${model.kind}`);
    try {
      const text = model.textToImageModel();
      const missing = await text.encodePrompts([null], 'negative');
      const empty = await text.encodePrompts([''], 'negative');
      expect(missing.data.some((v) => v !== 0)).toBe(true);
      expect(Array.from(missing.data)).toEqual(Array.from(empty.data));
      expect(Array.from(missing.pooled!.data)).toEqual(Array.from(empty.pooled!.data));
    } finally {
      await model.dispose();
    }
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
    const controlNet = broken((dir) => {
      const path = join(dir, 'model_index.json');
      writeFileSync(path, JSON.stringify({ ...(JSON.parse(readFileSync(path, 'utf8')) as object), _class_name: 'StableDiffusionControlNetPipeline' }));
    });
    await expect(openModel(controlNet)).rejects.toThrow(
      /StableDiffusionControlNetPipeline, whose unet is a UNet2DConditionModel, is not supported; denoise runs StableDiffusionPipeline, StableDiffusionImg2ImgPipeline, LatentConsistencyModelPipeline, StableDiffusionXLPipeline/,
    );
    // An SDXL UNet in a Stable Diffusion folder, and an SDXL folder without its second text encoder.
    const sdxlUNet = broken((dir) => {
      rmSync(join(dir, 'unet'), { recursive: true });
      cpSync(join(ROOT, 'sdxl-tiny', 'unet'), join(dir, 'unet'), { recursive: true });
    });
    await expect(openModel(sdxlUNet)).rejects.toThrow(/unet\/config\.json: addition_embed_type "text_time": an SDXL UNet, which needs pooled text_embeds and time_ids from StableDiffusionXLPipeline's two text encoders; model_index\.json names StableDiffusionPipeline/);
    const sdxl = mkdtempSync(join(tmpdir(), 'denoise-sdxl-'));
    cpSync(join(ROOT, 'sdxl-tiny'), sdxl, { recursive: true });
    rmSync(join(sdxl, 'text_encoder_2'), { recursive: true });
    await expect(openModel(sdxl)).rejects.toThrow(/text_encoder_2\/ has no config\.json/);
  });
});
