export { elementsPerImage, type Denoiser, type DenoiserSpec, type ModelCall } from './denoiser.js';
export { createGenerator, GENERATOR_KINDS, imageSeed, imageSeeds, PerImageGenerators, type GeneratorKind } from './noise-generator.js';
export { NonFiniteError, SamplingAbortedError } from './sampling-errors.js';
export {
  sample,
  type SampleOptions,
  type SampleResult,
  type SampleTimings,
  type StartGenerator,
  type StepEvent,
  type TraceRecord,
} from './sample.js';
export {
  createScheduler,
  DEFAULT_STEPS,
  defaultSamplerFor,
  SAMPLER_CLASSES,
  SAMPLER_KINDS,
  samplerOfClass,
  type SamplerKind,
} from './create-scheduler.js';
export { AffineDenoiser } from './affine-denoiser.js';
export { guidanceScaleEmbedding } from './guidance-scale-embedding.js';
export { InputError } from './input-error.js';
export { outputChannelsRead, planRun, type RunPlan, type RunPlanOptions } from './run-plan.js';
export { ClassifierFreeGuidance, type GuidanceOptions } from './guided-denoiser.js';
export {
  GUIDANCE_KINDS,
  guidanceKind,
  imageStartIndex,
  latentSize,
  repeatPerImage,
  textToImage,
  type LatentSize,
  type EncodedImage,
  type GuidanceKind,
  type SizeConditioning,
  type UNetConditioning,
  type TextEmbeddings,
  type TextToImageModel,
  type TextToImageOptions,
  type TextToImageResult,
  type TextToImageTimings,
} from './text-to-image.js';
