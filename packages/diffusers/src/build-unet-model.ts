import { encodeOnnxModel, type WeightStorage } from './encode-onnx-model.js';
import { readJsonObject, type DiffusersUNetFolder } from './model-folder.js';
import { readSafetensors } from './safetensors.js';
import { readTorchBin } from './torch-bin.js';
import { parseUNet2DConfig, type UNet2DConfig } from './unet-config.js';
import { buildUNet2DGraph, type UNetGraphSignature } from './unet-graph.js';
import { elementCount, type WeightsFile } from './weights-file.js';

export interface BuiltUNetModel {
  readonly folder: DiffusersUNetFolder;
  readonly config: UNet2DConfig;
  readonly signature: UNetGraphSignature;
  /** The ONNX ModelProto. */
  readonly bytes: Uint8Array;
  /** Set when weights stay in their file (storage 'external'): the folder onnxruntime reads them from. */
  readonly externalDataFolder?: string;
  readonly parameterCount: number;
  readonly weightsBytes: number;
}

/** Reads config.json and the weights of a located folder and builds the UNet2DModel ONNX graph. */
export async function buildUNetModel(
  folder: DiffusersUNetFolder,
  options: { readonly storage?: WeightStorage; readonly producerVersion?: string } = {},
): Promise<BuiltUNetModel> {
  const config = parseUNet2DConfig(await readJsonObject(folder.configPath), folder.configPath);
  const weights = await readWeightsFile(folder.weightsPath, folder.weightsFormat);
  const { graph, signature } = buildUNet2DGraph(config, weights);
  const encoded = await encodeOnnxModel(graph, weights, {
    storage: options.storage ?? 'external',
    producerVersion: options.producerVersion ?? '0',
    docString: `diffusers UNet2DModel built by denoise from ${folder.configPath} and ${folder.weightsPath}`,
  });
  return {
    folder,
    config,
    signature,
    bytes: encoded.bytes,
    ...(encoded.externalDataFolder ? { externalDataFolder: encoded.externalDataFolder } : {}),
    parameterCount: [...weights.tensors.values()].reduce((n, t) => n + elementCount(t.shape), 0),
    weightsBytes: weights.sizeBytes,
  };
}

export function readWeightsFile(path: string, format: DiffusersUNetFolder['weightsFormat']): Promise<WeightsFile> {
  return format === 'safetensors' ? readSafetensors(path) : readTorchBin(path);
}
