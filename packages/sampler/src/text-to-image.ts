import type { Denoiser } from './denoiser.js';
import { guidanceScaleEmbedding } from './guidance-scale-embedding.js';
import { ClassifierFreeGuidance } from './guided-denoiser.js';
import type { Scheduler } from '@denoise/schedule';
import { sample, type SampleOptions, type SampleResult, type SampleTimings } from './sample.js';
import { InputError } from './input-error.js';

/** Text encoder output: one row of `tokens` × `width` per prompt, in the order asked. */
export interface TextEmbeddings {
  readonly data: Float32Array;
  readonly rows: number;
  readonly tokens: number;
  readonly width: number;
  /** SDXL: each row's pooled embedding (text_encoder_2's projected text_embeds), [rows, width]. */
  readonly pooled?: { readonly data: Float32Array; readonly width: number };
}

/**
 * SDXL's micro-conditioning (Podell et al. 2023, "add_time_ids"), in image pixels, each (height, width) or (top, left):
 * the size the training image had, where it was cropped, and the size asked for.
 */
export interface SizeConditioning {
  readonly originalSize: readonly [number, number];
  readonly cropTopLeft: readonly [number, number];
  readonly targetSize: readonly [number, number];
}

/** What the UNet is conditioned on, one row per image of the batch it is called with. */
export interface UNetConditioning {
  readonly text: TextEmbeddings;
  /** A model with `guidanceEmbeddingDim` (LCM): the guidance-scale embedding, [rows, guidanceEmbeddingDim]. */
  readonly guidanceEmbedding?: Float32Array;
  /** The size conditioning of every row; used by UNets that take it (SDXL's text_time embedding), ignored by others. */
  readonly sizes: SizeConditioning;
}

/** A latent image's size: the sampling loop runs on [B, latentChannels, height, width]. */
export interface LatentSize {
  readonly height: number;
  readonly width: number;
}

/**
 * A latent text-to-image model (Stable Diffusion's tokenizer + text encoder, UNet and VAE), as the pipeline drives it.
 * Implemented over onnxruntime sessions by @denoise/runtime; the pipeline itself is here, once.
 */
export interface TextToImageModel {
  readonly latentChannels: number;
  /** Image pixels per latent pixel: 2^(VAE levels − 1), 8 for SD. */
  readonly vaeScaleFactor: number;
  /**
   * Latent consistency models (a UNet with `time_cond_proj_dim`): the width of the guidance-scale embedding the UNet
   * takes as `timestep_cond`. Such a model is guided through that embedding of w = guidance_scale − 1, never by
   * classifier-free guidance (diffusers' LatentConsistencyModelPipeline, and StableDiffusionPipeline with such a UNet).
   */
  readonly guidanceEmbeddingDim?: number;
  /**
   * Tokenizes and encodes prompts or negative prompts (diffusers encodes them differently: clip_skip applies to prompts
   * only), one row each. A null is a negative prompt not given: the encoded empty prompt, or a row of zeros where the
   * pipeline says so (SDXL's force_zeros_for_empty_prompt).
   */
  encodePrompts(prompts: readonly (string | null)[], role: 'prompt' | 'negative'): Promise<TextEmbeddings>;
  /** The UNet conditioned on `conditioning`, whose rows are the images of the batch it will be called with. */
  denoiser(conditioning: UNetConditioning, size: LatentSize): Denoiser;
  /** Pipeline latents [B, C, h, w] → images [B, 3, h·f, w·f], unclamped: vae.decode(latents / scaling_factor). */
  decode(latents: Float32Array, batch: number, size: LatentSize): Promise<Float32Array>;
  /** Image-to-image: one image [1, 3, H, W] in [-1, 1] → its latent distribution (vae.encode(image).latent_dist). */
  encodeImage?(image: Float32Array, size: LatentSize): Promise<EncodedImage>;
}

/** The VAE encoder's latent distribution of an image, [1, C, h, w] each, and the factor its samples are scaled by. */
export interface EncodedImage {
  readonly mean: Float32Array;
  readonly std: Float32Array;
  readonly scalingFactor: number;
}

export interface TextToImageOptions extends Omit<SampleOptions, 'denoiser' | 'batchSize'> {
  readonly model: TextToImageModel;
  /** One prompt per image (a prompt used for n images appears n times, as num_images_per_prompt repeats it). */
  readonly prompts: readonly string[];
  /** One negative prompt per image; null (or all of them, when absent) for none, as diffusers' negative_prompt=None. */
  readonly negativePrompts?: readonly (string | null)[];
  /**
   * SDXL's size conditioning; each part defaults as diffusers: originalSize and targetSize (height, width),
   * cropTopLeft (0, 0).
   */
  readonly sizeConditioning?: Partial<SizeConditioning>;
  /** diffusers' guidance_scale; classifier-free guidance runs when it is > 1. */
  readonly guidanceScale: number;
  readonly guidanceRescale?: number;
  /** Image size in pixels; both must be multiples of the VAE scale factor. */
  readonly height: number;
  readonly width: number;
  /**
   * Image-to-image (StableDiffusionImg2ImgPipeline): start from this image [1, 3, height, width] in [-1, 1], noised to
   * the plan's step at `strength` (1: from the first step, full noise; 0.5: the last half of the steps).
   */
  readonly init?: { readonly image: Float32Array; readonly strength: number };
}

export const GUIDANCE_KINDS = ['classifier-free', 'embedding', 'none'] as const;
export type GuidanceKind = (typeof GUIDANCE_KINDS)[number];

/** How a model is guided at a scale: through its guidance embedding when it has one, else by CFG when scale > 1. */
export function guidanceKind(guidanceEmbeddingDim: number | undefined, guidanceScale: number): GuidanceKind {
  if (guidanceEmbeddingDim !== undefined) return 'embedding';
  return guidanceScale > 1 ? 'classifier-free' : 'none';
}

export interface TextToImageTimings {
  readonly textMs: number;
  /** The sampling loop: UNet calls and the loop's own work, per model call. */
  readonly loop: SampleTimings;
  readonly decodeMs: number;
  readonly totalMs: number;
}

export interface TextToImageResult {
  /** The loop's result: `samples` are the final latents. */
  readonly latents: SampleResult;
  /** Decoded images, NCHW float32 in about [-1, 1] (not clamped). */
  readonly images: Float32Array;
  readonly imageShape: readonly [number, number, number, number];
  /**
   * How the guidance scale entered: 'classifier-free' (scale > 1: the UNet ran on [negative, prompt] rows),
   * 'embedding' (a latent consistency model: w = scale − 1 embedded into the UNet's time embedding) or 'none'.
   */
  readonly guidance: GuidanceKind;
  readonly timings: TextToImageTimings;
}

/**
 * StableDiffusionPipeline.__call__: encode the prompts (and, with guidance, the negative prompts), condition the UNet
 * on them — wrapped in classifier-free guidance, whose batch is [negative rows, prompt rows] — run the one sampling
 * loop over latents of size (height, width) / vae_scale_factor, and decode the final latents with the VAE. A latent
 * consistency model (LatentConsistencyModelPipeline) is conditioned on the prompts alone and on the embedding of
 * w = guidance_scale − 1, one row per image; negative prompts do not enter.
 */
export async function textToImage(options: TextToImageOptions): Promise<TextToImageResult> {
  const { model, prompts, guidanceScale } = options;
  const started = performance.now();
  const batch = prompts.length;
  if (batch === 0) throw new RangeError('textToImage: no prompts');
  const negatives = options.negativePrompts ?? new Array<null>(batch).fill(null);
  if (negatives.length !== batch) {
    throw new InputError('negativePrompts', `${negatives.length} prompts`, `one per prompt (${batch}) or none`, `${negatives.length} negative prompts for ${batch} prompts; give one per prompt or none`);
  }
  const size = latentSize(options.height, options.width, model.vaeScaleFactor);
  const guidance = guidanceKind(model.guidanceEmbeddingDim, guidanceScale);
  const guided = guidance === 'classifier-free';

  const textStarted = performance.now();
  // The strength is refused before any work; the index is where the loop starts.
  const startIndex = options.init ? imageStartIndex(options.scheduler, options.steps, options.init.strength) : undefined;
  const promptText = await model.encodePrompts(prompts, 'prompt');
  const text = guided ? stackRows(await model.encodePrompts(negatives, 'negative'), promptText) : promptText;
  const textMs = performance.now() - textStarted;
  if (text.rows !== (guided ? 2 : 1) * batch) throw new Error(`internal error: the text encoder returned ${text.rows} rows for ${batch} prompts`);

  const start = startIndex !== undefined ? await imageStart(model, options, size, batch, startIndex) : undefined;
  const embedding = guidance === 'embedding' ? guidanceScaleEmbedding(new Float32Array(batch).fill(guidanceScale - 1), model.guidanceEmbeddingDim!) : undefined;
  const sizes: SizeConditioning = {
    originalSize: options.sizeConditioning?.originalSize ?? [options.height, options.width],
    cropTopLeft: options.sizeConditioning?.cropTopLeft ?? [0, 0],
    targetSize: options.sizeConditioning?.targetSize ?? [options.height, options.width],
  };
  const conditioned = model.denoiser({ text, sizes, ...(embedding ? { guidanceEmbedding: embedding } : {}) }, size);
  const denoiser = guided ? new ClassifierFreeGuidance(conditioned, { guidanceScale, ...(options.guidanceRescale !== undefined ? { guidanceRescale: options.guidanceRescale } : {}) }) : conditioned;
  const { model: _model, prompts: _prompts, negativePrompts: _negatives, guidanceScale: _scale, guidanceRescale: _rescale, height: _h, width: _w, init: _init, sizeConditioning: _sizes, ...loopOptions } =
    options;
  const latents = await sample({ ...loopOptions, denoiser, ...(options.noise ? {} : { batchSize: batch }), ...(start ? { start } : {}) });

  const decodeStarted = performance.now();
  const images = await model.decode(latents.samples, batch, size);
  const decodeMs = performance.now() - decodeStarted;
  return {
    latents,
    images,
    imageShape: [batch, images.length / (batch * options.height * options.width), options.height, options.width],
    guidance,
    timings: { textMs, loop: latents.timings, decodeMs, totalMs: performance.now() - started },
  };
}

/** torch.cat([negative, prompt]): the rows of `first`, then those of `second` (the guided batch's order). */
function stackRows(first: TextEmbeddings, second: TextEmbeddings): TextEmbeddings {
  if (first.tokens !== second.tokens || first.width !== second.width || first.pooled?.width !== second.pooled?.width) {
    throw new Error(`internal error: negative and prompt embeddings differ in shape`);
  }
  const join = (a: Float32Array, b: Float32Array) => {
    const out = new Float32Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return {
    data: join(first.data, second.data),
    rows: first.rows + second.rows,
    tokens: first.tokens,
    width: first.width,
    ...(first.pooled && second.pooled ? { pooled: { data: join(first.pooled.data, second.pooled.data), width: first.pooled.width } } : {}),
  };
}

/**
 * Where an image-to-image run starts (StableDiffusionImg2ImgPipeline's get_timesteps and prepare_latents): at call
 * t_start · order of the plan, t_start = S − min(⌊S · strength⌋, S); from the image's latents
 * scaling_factor · (mean + std · ε), one per image (the run's generator draws ε first, then the noise), noised to the
 * first timestep with the scheduler's add_noise.
 */
async function imageStart(model: TextToImageModel, options: TextToImageOptions, size: LatentSize, batch: number, index: number): Promise<NonNullable<SampleOptions['start']>> {
  const { image } = options.init!;
  if (!model.encodeImage) throw new RangeError('this model has no image encoder: image-to-image needs a VAE encoder');
  const pixels = 3 * size.height * size.width * model.vaeScaleFactor ** 2;
  if (image.length !== pixels) throw new RangeError(`the init image has ${image.length} values; a ${options.height}×${options.width} RGB image has ${pixels}`);
  const { scheduler } = options;
  const encoded = await model.encodeImage(image, size);
  const channels = model.latentChannels;
  const perImage = channels * size.height * size.width;
  const scale = Math.fround(encoded.scalingFactor);
  const latentOf = (eps: Float32Array, at: number) =>
    Float32Array.from({ length: perImage }, (_, i) => Math.fround(scale * Math.fround(encoded.mean[i]! + Math.fround(encoded.std[i]! * eps[at + i]!))));
  return {
    index,
    sample: (rng, timestep) => {
      const latents = new Float32Array(batch * perImage);
      if (rng.perImage) {
        // A list of generators: the image is repeated to the batch and each copy sampled with its image's generator.
        const eps = rng.randn([batch, channels, size.height, size.width]);
        for (let b = 0; b < batch; b++) latents.set(latentOf(eps, b * perImage), b * perImage);
      } else {
        // One generator: the one image is sampled once, then repeated to the batch.
        const one = latentOf(rng.randn([1, channels, size.height, size.width]), 0);
        for (let b = 0; b < batch; b++) latents.set(one, b * perImage);
      }
      const noise = rng.randn([batch, channels, size.height, size.width]);
      return scheduler.addNoise(latents, noise, timestep);
    },
  };
}

/**
 * The model call an image-to-image run of `steps` at `strength` starts at (get_timesteps): t_start · order with
 * t_start = S − min(⌊S · strength⌋, S). Plans the scheduler's timesteps; refuses a strength outside [0, 1] or one
 * that leaves no step.
 */
export function imageStartIndex(scheduler: Scheduler, steps: number, strength: number): number {
  if (!(strength >= 0 && strength <= 1)) throw new InputError('strength', strength, 'a number in [0, 1]', `strength must be in [0, 1], got ${strength}`);
  scheduler.setTimesteps(steps);
  const tStart = Math.max(steps - Math.min(Math.floor(steps * strength), steps), 0);
  if (steps - tStart < 1) throw new InputError('strength', strength, `at least 1/${steps}`, `strength ${strength} leaves no step of ${steps} (⌊${steps} × ${strength}⌋ = 0): raise the strength or the steps`);
  return tStart * scheduler.order;
}

/** The latent size of an image: (height, width) / factor, both of which must divide exactly. */
export function latentSize(height: number, width: number, factor: number): LatentSize {
  for (const [name, value] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < factor || value % factor !== 0) {
      throw new InputError(name, value, `a positive multiple of ${factor}`, `${name} ${value} must be a positive multiple of ${factor} (the VAE's scale factor)`);
    }
  }
  return { height: height / factor, width: width / factor };
}

/** `prompts`, each repeated `imagesPerPrompt` times in place, as num_images_per_prompt orders the batch. */
export function repeatPerImage(prompts: readonly string[], imagesPerPrompt: number): string[] {
  if (!Number.isInteger(imagesPerPrompt) || imagesPerPrompt < 1) {
    throw new InputError('imagesPerPrompt', imagesPerPrompt, 'an integer ≥ 1', `images per prompt must be an integer ≥ 1, got ${imagesPerPrompt}`);
  }
  return prompts.flatMap((p) => new Array<string>(imagesPerPrompt).fill(p));
}
