export {
  EXECUTION_PROVIDER_CHOICES,
  EXECUTION_PROVIDERS,
  listExecutionProviders,
  resolveExecutionProvider,
  type ExecutionProvider,
  type ExecutionProviderChoice,
  type ExecutionProviderStatus,
} from './execution-provider.js';
export { formatGpuAdapter, webGpuAdapter, type GpuAdapterInfo } from './gpu-adapter.js';
export { DEFAULT_UNET_SCHEDULER_CONFIG, loadModel, type BuiltModelInfo, type DeepCacheBuild, type LoadedModel, type LoadModelOptions } from './load-model.js';
export { DEEP_CACHE_SCHEDULES, deepCacheFullCalls, type DeepCacheOptions, type DeepCacheScheduleKind } from './deep-cache-schedule.js';
export { INT8_CALIBRATION_METHODS, LOAD_PRECISIONS, type Int8CalibrationMethod, type Int8Options, type LoadPrecision } from './int8-options.js';
export type { Int8ModelInfo } from './int8-model.js';
export { isAttentionLayer } from '@denoise/diffusers';
export { GRAPH_OPTIMIZATION_LEVELS, type GraphOptimizationLevel } from './session-settings.js';
export { ExecutionProviderError, ModelLoadError, SampleSizeError } from './model-errors.js';
export { assertBatchFitsMemory, assertWeightsFitMemory, InsufficientMemoryError, type ComponentWeights } from './memory-check.js';
export type { ClassLabelsInput, ModelSignature, SampleDtype, SampleShapeRequest, TimestepDtype, TimestepLayout } from './model-signature.js';
export { parseClassLabelList, type OnnxDenoiser } from './onnx-denoiser.js';
export { onnxruntimeVersion } from './versions.js';
export { loadFeatureExtractor, type FeatureExtractor, type FeatureExtractorOptions } from './onnx-feature-extractor.js';
export { denoiseCacheDir, resolveModelReference, type SyntheticCatalog } from './model-reference.js';
export { openModel, type OpenedModel } from './open-model.js';
export { loadPipeline, type LoadedPipeline, type LoadPipelineOptions, type PipelineComponentInfo, type TextConditioningOptions } from './load-pipeline.js';
export type { TokenizedPrompts } from './tokenized-prompts.js';
export { describeCacheVerification } from '@denoise/hub';
export { loadFidInception, type FidInceptionExtractor, type LoadFidInceptionOptions } from './fid-inception-extractor.js';
export {
  FID_INCEPTION_RANDOM_SEED,
  RANDOM_FID_INCEPTION_SHA256,
  randomFidInceptionTensor,
  randomFidInceptionWeights,
  writeRandomFidInceptionWeights,
} from './random-fid-inception.js';
