import { readWeightsFile } from './build-unet-model.js';
import type { ComponentFiles } from './component-files.js';
import { encodeOnnxModel, type WeightStorage } from './encode-onnx-model.js';
import { readJsonObject } from './model-folder.js';
import { parseAutoencoderKLConfig, type AutoencoderKLConfig } from './vae-config.js';
import { buildVaeDecoderGraph, buildVaeEncoderGraph, type VaeDecoderInput, type VaeGraphSignature, type VaePart } from './vae-graph.js';

export interface BuiltAutoencoderKL {
  readonly files: ComponentFiles;
  readonly config: AutoencoderKLConfig;
  readonly signature: VaeGraphSignature;
  /** The ONNX ModelProto. */
  readonly bytes: Uint8Array;
  /** Set when weights stay in their file (storage 'external'): the folder onnxruntime reads them from. */
  readonly externalDataFolder?: string;
}

export interface BuildAutoencoderKLOptions {
  readonly part: VaePart;
  /** The decoder's input: the pipeline's latents (default) or z = latents / scaling_factor. */
  readonly decoderInput?: VaeDecoderInput;
  readonly storage?: WeightStorage;
  readonly producerVersion?: string;
}

/** Reads config.json and the weights of a located AutoencoderKL and builds its decoder or its encoder as ONNX. */
export async function buildAutoencoderKL(files: ComponentFiles, options: BuildAutoencoderKLOptions): Promise<BuiltAutoencoderKL> {
  const config = parseAutoencoderKLConfig(await readJsonObject(files.configPath), files.configPath);
  const weights = await readWeightsFile(files.weightsPath, files.weightsFormat);
  const { graph, signature } =
    options.part === 'decoder' ? buildVaeDecoderGraph(config, weights, { input: options.decoderInput ?? 'latents' }) : buildVaeEncoderGraph(config, weights);
  const encoded = await encodeOnnxModel(graph, weights, {
    storage: options.storage ?? 'external',
    producerVersion: options.producerVersion ?? '0',
    graphName: `vae_${options.part}`,
    docString: `diffusers AutoencoderKL ${options.part} built by denoise from ${files.configPath} and ${files.weightsPath}`,
  });
  return {
    files,
    config,
    signature,
    bytes: encoded.bytes,
    ...(encoded.externalDataFolder ? { externalDataFolder: encoded.externalDataFolder } : {}),
  };
}
