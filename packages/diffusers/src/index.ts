export { buildAutoencoderKL, type BuildAutoencoderKLOptions, type BuiltAutoencoderKL } from './build-autoencoder-kl.js';
export { buildUNetModel, readWeightsFile, type BuiltUNetModel } from './build-unet-model.js';
export { CheckpointMismatchError } from './checkpoint-weights.js';
export { encodeOnnxModel, type EncodedModel, type WeightStorage } from './encode-onnx-model.js';
export { DiffusersFolderError, isDiffusersFolder, locateDiffusersUNet, readJsonObject, type DiffusersUNetFolder } from './model-folder.js';
export { readSafetensors } from './safetensors.js';
export { readWeightBytes } from './read-weight-bytes.js';
export { readTorchBin } from './torch-bin.js';
export { parseUNet2DConfig, type UNet2DConfig } from './unet-config.js';
export { ModelConfigError } from './config-reader.js';
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
export { locateComponentFiles, type ComponentFiles } from './component-files.js';
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
