export { buildUNetModel, readWeightsFile, type BuiltUNetModel } from './build-unet-model.js';
export { buildClipTextModel, type BuildClipTextOptions, type BuiltClipTextModel } from './build-clip-text-model.js';
export { CheckpointMismatchError } from './checkpoint-weights.js';
export {
  CLIP_HIDDEN_ACTS,
  CLIP_TEXT_ARCHITECTURES,
  ClipTextConfigError,
  parseClipTextConfig,
  type ClipHiddenAct,
  type ClipTextArchitecture,
  type ClipTextConfig,
} from './clip-text-config.js';
export { locateClipTextFolder, type ClipTextFolder } from './clip-text-folder.js';
export {
  buildClipTextGraph,
  clipTextWeightShapes,
  type ClipTextGraph,
  type ClipTextGraphOptions,
  type ClipTextGraphSignature,
  type ClipTextOutputName,
} from './clip-text-graph.js';
export { encodeOnnxModel, type EncodedModel, type WeightStorage } from './encode-onnx-model.js';
export { DiffusersFolderError, isDiffusersFolder, locateDiffusersUNet, readJsonObject, type DiffusersUNetFolder } from './model-folder.js';
export { readSafetensors } from './safetensors.js';
export { readWeightBytes } from './read-weight-bytes.js';
export { readTorchBin } from './torch-bin.js';
export { parseUNet2DConfig, UNetConfigError, type UNet2DConfig } from './unet-config.js';
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
export { hasSyntheticCheckpoint, writeSyntheticCheckpoint } from './synthetic-checkpoint.js';
export { assertPipelineHasUNet2D, planUNetFiles, UNetFilePlanError, type UNetFilePlan } from './model-file-plan.js';
export { unetMemoryLowerBound, type UNetMemoryBound } from './unet-memory.js';
