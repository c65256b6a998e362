import type { ExecutionProvider, GpuAdapterInfo } from '@denoise/runtime';
import type { SampleOptions } from '@denoise/sampler';
import type { CallKindTimes } from './call-kinds.js';
import type { PromptSet } from './prompt-set.js';
import type { SamplerSpec } from './sampler-spec.js';
import type { TextToImagePlan } from './sweep-plan.js';

/**
 * What the bench runs, whatever the model: an unconditional denoiser (UNet2DModel folders, ONNX files) or a
 * text-to-image pipeline (Stable Diffusion). The shard runner, the planner and the cross-provider pass see only this;
 * each kind makes a batch with the one sampling loop of @denoise/sampler (sample, or textToImage around it).
 */
export interface BenchModel {
  readonly modelPath: string;
  readonly sha256: string;
  /** For an hf: reference, the commit its revision resolved to. */
  readonly modelRevision?: string;
  readonly executionProvider: ExecutionProvider;
  readonly adapter?: GpuAdapterInfo;
  /** Creating the onnxruntime session(s): parsing, optimization, loading the weights (a pipeline's three together). */
  readonly sessionMs: number;
  /** The parsed scheduler_config.json (undefined for an ONNX file without one) and where it came from. */
  readonly schedulerConfig: unknown;
  readonly schedulerConfigPath?: string;
  /** The model returns 2C channels, a learned variance (DDPM reads it; the other schedulers take the ε half). */
  readonly learnedVariance: boolean;
  /** Images per batch: every batch, and every bare call, is of this many images. */
  readonly batch: number;
  /** One image's x_T, what the loop samples: a pipeline's latents. */
  readonly noiseDims: ImageDims;
  /** The size of the images made (a pipeline's decoded images). */
  readonly imageSize: { readonly height: number; readonly width: number };
  /** A pipeline's prompts, negative prompt and guidance scale, as the sweep's plan records them. */
  readonly textToImage?: TextToImagePlan;
  /** Runs every session once at the batch's sizes, so that the first timed batch pays no set-up cost. */
  warmup(): Promise<void>;
  /**
   * A bare session.run of the network the loop calls, on `noise` (batch 0's x_T) at the batch the loop calls it with
   * (a guided pipeline's UNet at 2 × batch): the physical limit the harness is compared with.
   */
  bareRun(noise: Float32Array): () => Promise<void>;
  /** One batch of a configuration: images first … first + batch − 1, from the loop settings given. */
  generate(request: BatchRequest): Promise<GeneratedBatch>;
  /**
   * The model a configuration's modifiers ask for (+deepcacheN, +int8): this one when it has none, else the same
   * model reference opened with them (once, warmed up), disposed with this one.
   */
  variant(modifiers: ModelModifiers): Promise<BenchModel>;
  dispose(): Promise<void>;
}

export type ModelModifiers = Pick<SamplerSpec, 'deepcache' | 'int8'>;

export interface ImageDims {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** The sampling loop's settings of one batch (scheduler, steps, η, per-image seeds, progress): all but the denoiser. */
export type BatchLoop = Omit<SampleOptions, 'denoiser' | 'batchSize' | 'noise' | 'seed'> & { readonly imageSeeds: readonly number[] };

export interface BatchRequest {
  readonly loop: BatchLoop;
  /** The index of the batch's first image (a pipeline's image i takes prompts[i mod P]). */
  readonly first: number;
}

/** Where the time of one batch went, ms, summed over its model calls. */
export interface BatchTimings {
  /** Inside the model (a pipeline's UNet) calls: the sampler's per-call model time. */
  readonly modelMs: number;
  /** The loop's own work around the calls (input scaling, noise draws, scheduler steps, checks). */
  readonly loopMs: number;
  /** A pipeline's text encoding: the prompts and, with guidance, the negative prompts. */
  readonly textMs?: number;
  /** A pipeline's VAE decoding of the final latents. */
  readonly decodeMs?: number;
  /** The model time by kind of call (plain, DeepCache full or shallow; float32 or int8). */
  readonly byKind: CallKindTimes;
}

export interface GeneratedBatch {
  /** The batch's images, NCHW float32 (a pipeline's decoded images in about [-1, 1]). */
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly modelCalls: number;
  readonly timings: BatchTimings;
}

/** What opening a model for the bench takes from the settings. */
export interface ModelSettings {
  readonly model: string;
  readonly threads?: number;
  readonly variant?: string;
  /** hf: models: re-hash the cached files the model uses before trusting them (a mismatch is fetched again). */
  readonly verifyCache?: boolean;
  readonly batch: number;
  /** Class labels of a class-conditional model: one for every image, or one per image of a batch. */
  readonly classLabels?: readonly number[];
  /** --prompts, --negative-prompt, --guidance-scale as given (undefined: not given; a pipeline takes its default). */
  readonly prompts?: PromptSet;
  readonly negativePrompt?: string;
  readonly guidanceScale?: number;
  /** --height/--width as given: a pipeline's image size (default its own), an unconditional model's where not fixed. */
  readonly height?: number;
  readonly width?: number;
  /** Set for --quality fid. */
  readonly fid?: { readonly samples: number };
}

export type BenchLog = (line: string) => void;

/** The timestep of the bare session.run calls: mid-schedule (the cost of a call does not depend on it). */
export const BARE_TIMESTEP = 500;

export const sumMs = (values: Float64Array): number => values.reduce((a, b) => a + b, 0);
