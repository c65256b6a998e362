export { buildUNetModel, UNET_2D, UNET_2D_CONDITION, type BuiltUNetModel } from './build-unet-model.js';
export { buildComponent, readWeightsFile, type BuildComponentOptions, type BuiltComponent, type ComponentFiles, type ComponentKind, type WeightsFormat } from './component-model.js';
export { parseUNet2DConditionConfig, TEXT_TIME_IDS, type UNet2DConditionConfig } from './unet-condition-config.js';
export { buildUNet2DConditionGraph, unet2DConditionWeightShapes, type UNetConditionGraphSignature } from './unet-condition-graph.js';
export { VAE_DECODER, VAE_ENCODER, vaeDecoderKind } from './vae-model.js';
export { CLIP_TEXT_MODEL } from './clip-text-model.js';
export { CheckpointMismatchError } from './checkpoint-weights.js';
export {
  CLIP_HIDDEN_ACTS,
  CLIP_TEXT_ARCHITECTURES,
  parseClipTextConfig,
  type ClipHiddenAct,
  type ClipTextArchitecture,
  type ClipTextConfig,
} from './clip-text-config.js';
export {
  buildClipTextGraph,
  clipTextWeightShapes,
  type ClipTextGraph,
  type ClipTextGraphOptions,
  type ClipTextGraphSignature,
  type ClipTextOutputName,
} from './clip-text-graph.js';
export { encodeOnnxModel, type EncodedModel, type WeightStorage } from './encode-onnx-model.js';
export { DiffusersFolderError, isDiffusersFolder, locateDiffusersModel, locateDiffusersUNet, readJsonObject, type DiffusersModelFolder, type DiffusersUNetFolder, type PipelineFolder } from './model-folder.js';
export { readSafetensors } from './safetensors.js';
export { readWeightBytes } from './read-weight-bytes.js';
export { readTorchBin } from './torch-bin.js';
export { parseUNet2DConfig, type UNet2DConfig } from './unet-config.js';
export { ModelConfigError } from './config-reader.js';
export type { GraphBuilder, GraphOptions } from './onnx-graph.js';
export { DEEP_FEATURE, DeepCacheBranchError, type DeepCacheSignature } from './deep-cache-graph.js';
export { buildUNet2DGraph, unet2DWeightShapes, type UNetGraph, type UNetGraphSignature } from './unet-graph.js';
export {
  WEIGHT_DTYPE_BYTES,
  WeightsFileError,
  elementCount,
  type WeightDtype,
  type WeightSource,
  type WeightTensor,
  type WeightsFile,
} from './weights-file.js';
export { hasSyntheticCheckpoint, writeSyntheticCheckpoint, writeSyntheticPipeline } from './synthetic-checkpoint.js';
export { assertPipelineHasUNet2D, modelPlanPaths, planModelFiles, planUNetFiles, type ModelFilePlan, type UNetFilePlan } from './model-file-plan.js';
export { ModelFilePlanError } from './file-plan-error.js';
export {
  pipelinePlanPaths,
  planWeightedComponent,
  TEXT_TO_IMAGE_PIPELINES,
  textToImagePipelineClass,
  type PipelineFilePlan,
  type PromptEncoding,
  type TextEncoderPlan,
  type TextToImagePipelineClass,
  type TokenizerPlan,
  type WeightedComponentPlan,
  type WeightsStems,
} from './pipeline-file-plan.js';
export { unetMemoryLowerBound, type UNetMemoryBound } from './unet-memory.js';
export { locateComponentFiles } from './component-files.js';
export { parseAutoencoderKLConfig, type AutoencoderKLConfig } from './vae-config.js';
export {
  autoencoderKLWeightShapes,
  buildVaeDecoderGraph,
  buildVaeEncoderGraph,
  type VaeDecoderInput,
  type VaeGraph,
  type VaeGraphSignature,
  type VaePart,
} from './vae-graph.js';
export { float16ToFloat32, float32ToFloat16, toFloat16Bits } from './float16.js';
export { buildFidInceptionModel, type BuildFidInceptionOptions } from './fid-inception-model.js';
export {
  buildFidInceptionGraph,
  FID_INCEPTION_FEATURE_DIM,
  FID_INCEPTION_INPUT_SIZE,
  fidInceptionStateDict,
  type FidInceptionStateDictEntry,
} from './fid-inception-graph.js';
export { int8Candidates, int8ProbeValues, isAttentionLayer, withActivationProbes, type Int8Plan, type QuantizableConv } from './int8-candidates.js';
export { quantizeGraph, type ActivationRange, type QuantizeGraphOptions, type QuantizedGraph } from './qdq-graph.js';
