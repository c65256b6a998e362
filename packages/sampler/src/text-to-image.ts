import type { Denoiser } from './denoiser.js';
import { ClassifierFreeGuidance } from './guided-denoiser.js';
import { sample, type SampleOptions, type SampleResult, type SampleTimings } from './sample.js';

/** StableDiffusionPipeline's default guidance_scale. */
export const DEFAULT_GUIDANCE_SCALE = 7.5;

/** Text encoder output: one row of `tokens` × `width` per prompt, in the order asked. */
export interface TextEmbeddings {
  readonly data: Float32Array;
  readonly rows: number;
  readonly tokens: number;
  readonly width: number;
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
  /** Tokenizes and encodes the prompts: one row per prompt. */
  encodePrompts(prompts: readonly string[]): Promise<TextEmbeddings>;
  /** The UNet conditioned on `text`, one row per image of the batch it will be called with. */
  denoiser(text: TextEmbeddings, size: LatentSize): Denoiser;
  /** Pipeline latents [B, C, h, w] → images [B, 3, h·f, w·f], unclamped: vae.decode(latents / scaling_factor). */
  decode(latents: Float32Array, batch: number, size: LatentSize): Promise<Float32Array>;
}

export interface TextToImageOptions extends Omit<SampleOptions, 'denoiser' | 'batchSize'> {
  readonly model: TextToImageModel;
  /** One prompt per image (a prompt used for n images appears n times, as num_images_per_prompt repeats it). */
  readonly prompts: readonly string[];
  /** One negative prompt per image; '' for every image when absent (diffusers' default). */
  readonly negativePrompts?: readonly string[];
  /** diffusers' guidance_scale; classifier-free guidance runs when it is > 1. */
  readonly guidanceScale: number;
  readonly guidanceRescale?: number;
  /** Image size in pixels; both must be multiples of the VAE scale factor. */
  readonly height: number;
  readonly width: number;
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
  /** Whether classifier-free guidance ran (guidance scale > 1). */
  readonly guided: boolean;
  readonly timings: TextToImageTimings;
}

/**
 * StableDiffusionPipeline.__call__: encode the prompts (and, with guidance, the negative prompts), condition the UNet
 * on them — wrapped in classifier-free guidance, whose batch is [negative rows, prompt rows] — run the one sampling
 * loop over latents of size (height, width) / vae_scale_factor, and decode the final latents with the VAE.
 */
export async function textToImage(options: TextToImageOptions): Promise<TextToImageResult> {
  const { model, prompts, guidanceScale } = options;
  const started = performance.now();
  const batch = prompts.length;
  if (batch === 0) throw new RangeError('textToImage: no prompts');
  const negatives = options.negativePrompts ?? new Array<string>(batch).fill('');
  if (negatives.length !== batch) throw new RangeError(`${negatives.length} negative prompts for ${batch} prompts; give one per prompt or none`);
  const size = latentSize(options.height, options.width, model.vaeScaleFactor);
  const guided = guidanceScale > 1;

  const textStarted = performance.now();
  const text = await model.encodePrompts(guided ? [...negatives, ...prompts] : prompts);
  const textMs = performance.now() - textStarted;
  if (text.rows !== (guided ? 2 : 1) * batch) throw new Error(`internal error: the text encoder returned ${text.rows} rows for ${batch} prompts`);

  const conditioned = model.denoiser(text, size);
  const denoiser = guided ? new ClassifierFreeGuidance(conditioned, { guidanceScale, ...(options.guidanceRescale !== undefined ? { guidanceRescale: options.guidanceRescale } : {}) }) : conditioned;
  const { model: _model, prompts: _prompts, negativePrompts: _negatives, guidanceScale: _scale, guidanceRescale: _rescale, height: _h, width: _w, ...loopOptions } = options;
  const latents = await sample({ ...loopOptions, denoiser, ...(options.noise ? {} : { batchSize: batch }) });

  const decodeStarted = performance.now();
  const images = await model.decode(latents.samples, batch, size);
  const decodeMs = performance.now() - decodeStarted;
  return {
    latents,
    images,
    imageShape: [batch, images.length / (batch * options.height * options.width), options.height, options.width],
    guided,
    timings: { textMs, loop: latents.timings, decodeMs, totalMs: performance.now() - started },
  };
}

/** The latent size of an image: (height, width) / factor, both of which must divide exactly. */
export function latentSize(height: number, width: number, factor: number): LatentSize {
  for (const [name, value] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < factor || value % factor !== 0) {
      throw new RangeError(`${name} ${value} must be a positive multiple of ${factor} (the VAE's scale factor)`);
    }
  }
  return { height: height / factor, width: width / factor };
}

/** `prompts`, each repeated `imagesPerPrompt` times in place, as num_images_per_prompt orders the batch. */
export function repeatPerImage(prompts: readonly string[], imagesPerPrompt: number): string[] {
  if (!Number.isInteger(imagesPerPrompt) || imagesPerPrompt < 1) throw new RangeError(`images per prompt must be an integer ≥ 1, got ${imagesPerPrompt}`);
  return prompts.flatMap((p) => new Array<string>(imagesPerPrompt).fill(p));
}
