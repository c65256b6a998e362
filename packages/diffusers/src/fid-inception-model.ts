import { encodeOnnxModel, type EncodedModel, type WeightStorage } from './encode-onnx-model.js';
import { buildFidInceptionGraph, FID_INCEPTION_ARCHITECTURE } from './fid-inception-graph.js';
import { readSafetensors } from './safetensors.js';
import { readTorchBin } from './torch-bin.js';
import type { WeightsFile } from './weights-file.js';

export interface BuildFidInceptionOptions {
  /** Default 'external': the weights stay in their file and onnxruntime reads them (see encodeOnnxModel). */
  readonly storage?: WeightStorage;
  readonly producerVersion?: string;
}

/**
 * The FID Inception-v3 network (`images` [N, 3, 299, 299] → `features` [N, 2048]) as an ONNX model, from pytorch-fid's
 * weights file: `pt_inception-2015-12-05-*.pth` (torch's zip or legacy format, an OrderedDict or a converter's plain
 * dict) or the same state_dict as `.safetensors`. A file that is not such a state_dict fails with a
 * WeightsFileError (unreadable) or a CheckpointMismatchError (every missing, unexpected or mis-shaped entry), both
 * naming the file.
 */
export async function buildFidInceptionModel(weightsPath: string, options: BuildFidInceptionOptions = {}): Promise<EncodedModel> {
  const weights = await readFidWeights(weightsPath);
  return encodeOnnxModel(buildFidInceptionGraph(weights), weights, {
    storage: options.storage ?? 'external',
    producerVersion: options.producerVersion ?? '0',
    graphName: 'fid_inception_v3',
    docString: `${FID_INCEPTION_ARCHITECTURE}, pool3 features, built by denoise from ${weightsPath}`,
  });
}

function readFidWeights(path: string): Promise<WeightsFile> {
  return path.endsWith('.safetensors') ? readSafetensors(path) : readTorchBin(path);
}
