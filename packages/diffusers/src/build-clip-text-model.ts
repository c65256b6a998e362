import { readWeightsFile } from './build-unet-model.js';
import { locateClipTextFolder, type ClipTextFolder } from './clip-text-folder.js';
import { parseClipTextConfig, type ClipTextConfig } from './clip-text-config.js';
import { buildClipTextGraph, type ClipTextGraphSignature } from './clip-text-graph.js';
import { encodeOnnxModel, type WeightStorage } from './encode-onnx-model.js';
import { readJsonObject } from './model-folder.js';
import { elementCount } from './weights-file.js';

export interface BuiltClipTextModel {
  readonly folder: ClipTextFolder;
  readonly config: ClipTextConfig;
  readonly signature: ClipTextGraphSignature;
  /** The ONNX ModelProto. */
  readonly bytes: Uint8Array;
  /** Set when weights stay in their file (storage 'external'): the folder onnxruntime reads them from. */
  readonly externalDataFolder?: string;
  /** The floating-point tensors' elements (an old checkpoint's int64 position_ids buffer is not a parameter). */
  readonly parameterCount: number;
  readonly weightsBytes: number;
}

export interface BuildClipTextOptions {
  /** Read `model.<variant>.safetensors` (e.g. 'fp16'); the weights are cast to float32 in the graph. */
  readonly variant?: string;
  readonly storage?: WeightStorage;
  readonly producerVersion?: string;
  /** CLIPTextModelWithProjection (adds text_embeds); by default what config.json's `architectures` says. */
  readonly withProjection?: boolean;
}

/** Reads a text encoder folder's config.json and weights and builds its CLIPTextModel[WithProjection] ONNX graph. */
export async function buildClipTextModel(path: string, options: BuildClipTextOptions = {}): Promise<BuiltClipTextModel> {
  const folder = await locateClipTextFolder(path, options.variant ? { variant: options.variant } : {});
  const config = parseClipTextConfig(await readJsonObject(folder.configPath), folder.configPath);
  const weights = await readWeightsFile(folder.weightsPath, folder.weightsFormat);
  const { graph, signature } = buildClipTextGraph(config, weights, options.withProjection === undefined ? {} : { withProjection: options.withProjection });
  const encoded = await encodeOnnxModel(graph, weights, {
    storage: options.storage ?? 'external',
    producerVersion: options.producerVersion ?? '0',
    docString: `transformers ${signature.architecture} built by denoise from ${folder.configPath} and ${folder.weightsPath}`,
    graphName: 'clip_text',
  });
  const floats = [...weights.tensors.values()].filter((t) => t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16' || t.dtype === 'F64');
  return {
    folder,
    config,
    signature,
    bytes: encoded.bytes,
    ...(encoded.externalDataFolder ? { externalDataFolder: encoded.externalDataFolder } : {}),
    parameterCount: floats.reduce((n, t) => n + elementCount(t.shape), 0),
    weightsBytes: weights.sizeBytes,
  };
}
