export { checkImageBatch, checkRgba8Image, type ImageBatch, type Rgba8Image } from './image-types.js';
export { fromPixels, toPixels } from './pixel-conversion.js';
export { makeGrid, type GridOptions } from './image-grid.js';
export { sideBySide } from './side-by-side.js';
export { diffHeatmap } from './diff-heatmap.js';
export { SSIM_OPTIONS, ssim } from './ssim.js';
export { psnr } from './psnr.js';
export { PngFormatError } from './png-chunks.js';
export { PNG_TEXT_KEYS, type PngTextKey } from './png-metadata.js';
export { decodePng, encodePng, type DecodedPng, type DecodePngOptions, type PngAlphaHandling } from './png-codec.js';
export { readPng, writePng } from './png-file.js';
export { NpyFormatError, parseNpy, serializeNpy, type NpyArray, type NpyDtype } from './npy.js';
export { readNpy, writeNpy } from './npy-file.js';
export { NpzFormatError, parseNpz, serializeNpz, type SerializeNpzOptions } from './npz.js';
export { writeFileAtomic } from './atomic-write.js';
export { NotRegularFileError, readRegularFile, replacedByRename } from './regular-file.js';
export { ProcessLock, processRuns, type LockOwner } from './process-lock.js';
export { type PlanarImage } from './image-types.js';
export { resizeBilinearTorch } from './bilinear-resize-torch.js';
export { resizeBicubicPillow } from './bicubic-resize-pillow.js';
export { resizeBilinearTf1 } from './bilinear-resize-tf1.js';
export {
  FID_INPUT_DEFAULTS,
  FID_PROTOCOLS,
  FidInputError,
  parseFidInputConfig,
  type FidInputConfig,
  type FidInputOptions,
  type FidNormalization,
  type FidProtocol,
} from './fid-input-config.js';
export { fidInputBatch, fidInputTensor } from './fid-input.js';
export { decodeFidPng, readFidImage } from './fid-image.js';
