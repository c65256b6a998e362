import type { GpuAdapterInfo } from '@denoise/runtime';
import type { GuidanceKind } from '@denoise/sampler';

/** What a run's files and timings came to (`--json` prints it). */
export interface SampleSummary {
  readonly model: string;
  readonly modelSha256: string;
  /** The commit an hf: reference resolved to. */
  readonly modelRevision?: string;
  readonly executionProvider: string;
  /** With webgpu: the adapter, and whether it is a software one (lavapipe). */
  readonly adapter?: GpuAdapterInfo;
  readonly sampler: string;
  /** diffusers' scheduler class that ran. */
  readonly schedulerClass: string;
  /** Inference steps S. */
  readonly steps: number;
  /** Model evaluations: S, except Heun (2S − 1) and PNDM (S + 1, or S + 9 with the Runge–Kutta warm-up). */
  readonly modelCalls: number;
  readonly eta: number;
  readonly timestepSpacing: string;
  readonly seed: number;
  /** With --per-image-seeds: each image's generator seed (imageSeed(seed, firstImage + i)). */
  readonly imageSeeds?: readonly number[];
  readonly noise?: string;
  readonly generator: string;
  readonly batch: number;
  readonly classLabels?: readonly number[];
  /** Text-to-image: what conditioned the images and how. */
  readonly textToImage?: TextToImageSummary;
  readonly files: readonly string[];
  readonly grid?: string;
  readonly npy?: string;
  readonly latents?: string;
  readonly ignoredConfigKeys: readonly string[];
  readonly totalMs: number;
  readonly stepsPerSec: number;
  readonly modelCallsPerSec: number;
  /** Mean time in the model (the UNet) per call. */
  readonly modelMsPerCall: number;
  /** Mean time in the loop (input scaling, guidance, noise, scheduler step) per model call. */
  readonly loopMsPerCall: number;
}

export interface TextToImageSummary {
  readonly pipeline: string;
  readonly prompts: readonly string[];
  readonly negativePrompts: readonly string[];
  readonly imagesPerPrompt: number;
  readonly guidanceScale: number;
  /**
   * How the scale entered: 'classifier-free' (scale > 1: two UNet rows per image), 'embedding' (a latent consistency
   * model's guidance embedding, one row per image) or 'none'.
   */
  readonly guidance: GuidanceKind;
  readonly guidanceRescale: number;
  readonly clipSkip?: number;
  /** SDXL's size conditioning, as given (the image's size and 0,0 otherwise). */
  readonly originalSize?: readonly [number, number];
  readonly cropTopLeft?: readonly [number, number];
  readonly targetSize?: readonly [number, number];
  readonly height: number;
  readonly width: number;
  /** Image-to-image: the init image and its strength. */
  readonly initImage?: string;
  readonly strength?: number;
  /** Where the time went: the text encoder, the UNet calls, the loop's own work, the VAE decoder. */
  readonly timings: { readonly textEncoderMs: number; readonly unetMs: number; readonly loopMs: number; readonly vaeDecodeMs: number };
}

/** The loop's timings as the summary reports them. */
export function loopRates(result: { readonly timesteps: ArrayLike<number>; readonly timings: { readonly modelMs: Float64Array; readonly loopMs: Float64Array; readonly totalMs: number } }, steps: number) {
  const modelCalls = result.timesteps.length;
  const seconds = result.timings.totalMs / 1000;
  const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
  return {
    modelCalls,
    stepsPerSec: steps / seconds,
    modelCallsPerSec: modelCalls / seconds,
    modelMsPerCall: sum(result.timings.modelMs) / modelCalls,
    loopMsPerCall: sum(result.timings.loopMs) / modelCalls,
  };
}
