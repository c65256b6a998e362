// The library API of the denoise package: what a program needs to load a model, sample it and get float arrays and
// PNG bytes, with the errors it may catch. Each name comes from the workspace package that owns it.
export { embeddedModelPath } from '@denoise/repo-layout';
export {
  ExecutionProviderError,
  InsufficientMemoryError,
  listExecutionProviders,
  ModelLoadError,
  openModel,
  type LoadedModel,
  type LoadedPipeline,
  type LoadModelOptions,
  type OpenedModel,
} from '@denoise/runtime';
export {
  createScheduler,
  DEFAULT_STEPS,
  defaultSamplerFor,
  imageSeeds,
  InputError,
  NonFiniteError,
  planRun,
  sample,
  SAMPLER_KINDS,
  SamplingAbortedError,
  textToImage,
  type SampleOptions,
  type SampleResult,
  type SamplerKind,
  type TextToImageOptions,
  type TextToImageResult,
} from '@denoise/sampler';
export { ConfigError } from '@denoise/schedule';
export { encodePng, makeGrid, toPixels, type ImageBatch, type Rgba8Image } from '@denoise/image';
