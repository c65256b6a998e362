import { encodeOnnxModel, type WeightStorage } from './encode-onnx-model.js';
import { readJsonObject } from './model-folder.js';
import { shallowGraph } from './deep-cache-graph.js';
import type { GraphBuilder, GraphOptions } from './onnx-graph.js';
import { readSafetensors } from './safetensors.js';
import { readShardedSafetensors } from './sharded-weights.js';
import { readTorchBin } from './torch-bin.js';
import { elementCount, type WeightsFile } from './weights-file.js';

export type WeightsFormat = 'safetensors' | 'torch-bin';

/** A model component on disk: its config.json and its one weights file. */
export interface ComponentFiles {
  readonly configPath: string;
  readonly weightsPath: string;
  readonly weightsFormat: WeightsFormat;
}

/** How one kind of component (a diffusers or transformers class) becomes a graph: its config parser and graph builder. */
export interface ComponentKind<Config, Signature> {
  /** The class, for the model's doc string. */
  readonly className: string;
  /** The ONNX graph's name (default 'model'). */
  readonly graphName?: string;
  parse(json: unknown, source: string): Config;
  build(config: Config, weights: WeightsFile, options: GraphOptions): { readonly graph: GraphBuilder; readonly signature: Signature };
}

export interface BuiltComponent<Config, Signature> {
  readonly files: ComponentFiles;
  readonly config: Config;
  readonly signature: Signature;
  /** The ONNX ModelProto. */
  readonly bytes: Uint8Array;
  /** Set when weights stay in their file (storage 'external'): the folder onnxruntime reads them from. */
  readonly externalDataFolder?: string;
  /** Built with a DeepCache branch: the shallow forward's ModelProto (its weights in the same place as the full one's). */
  readonly shallow?: { readonly bytes: Uint8Array; readonly externalDataFolder?: string; readonly parameterCount: number };
  readonly parameterCount: number;
  readonly weightsBytes: number;
}

export interface BuildComponentOptions extends GraphOptions {
  /** Default 'external': the weights stay in their file and onnxruntime reads them (see encodeOnnxModel). */
  readonly storage?: WeightStorage;
  readonly producerVersion?: string;
  /** Rewrites the built graph before it is encoded (calibration probes, int8 quantization: see qdq-graph.ts). */
  readonly transformGraph?: (graph: GraphBuilder, weights: WeightsFile) => GraphBuilder | Promise<GraphBuilder>;
}

/** Reads a component's config.json and weights, builds its graph and encodes the ONNX model. */
export async function buildComponent<Config, Signature>(
  kind: ComponentKind<Config, Signature>,
  files: ComponentFiles,
  options: BuildComponentOptions = {},
): Promise<BuiltComponent<Config, Signature>> {
  const config = kind.parse(await readJsonObject(files.configPath), files.configPath);
  const weights = await readWeightsFile(files.weightsPath, files.weightsFormat);
  const built = kind.build(config, weights, graphOptions(options));
  const { signature } = built;
  const graph = options.transformGraph ? await options.transformGraph(built.graph, weights) : built.graph;
  const encode = (model: GraphBuilder, doc: string) =>
    encodeOnnxModel(model, weights, {
      storage: options.storage ?? 'external',
      producerVersion: options.producerVersion ?? '0',
      graphName: kind.graphName ?? 'model',
      docString: `${kind.className}${doc} built by denoise from ${files.configPath} and ${files.weightsPath}`,
    });
  const encoded = await encode(graph, '');
  const shallow = options.deepCacheBranch === undefined ? undefined : shallowGraph(graph);
  return {
    files,
    config,
    signature,
    bytes: encoded.bytes,
    ...(encoded.externalDataFolder ? { externalDataFolder: encoded.externalDataFolder } : {}),
    ...(shallow ? { shallow: { ...(await encode(shallow, ` (DeepCache shallow forward, branch ${options.deepCacheBranch})`)), parameterCount: initializerElements(shallow) } } : {}),
    // Floating-point tensors only: an old checkpoint's int64 buffers (CLIP's position_ids) are not parameters.
    parameterCount: [...weights.tensors.values()].filter((t) => t.dtype.startsWith('F') || t.dtype === 'BF16').reduce((n, t) => n + elementCount(t.shape), 0),
    weightsBytes: weights.sizeBytes,
  };
}

/** A weights file: safetensors, a sharded safetensors checkpoint (its `.index.json`), or a legacy PyTorch `.bin`. */
export function readWeightsFile(path: string, format: WeightsFormat): Promise<WeightsFile> {
  if (format === 'torch-bin') return readTorchBin(path);
  return path.endsWith('.index.json') ? readShardedSafetensors(path) : readSafetensors(path);
}

/** The graph options of a build, without the encoding ones. */
function graphOptions(options: BuildComponentOptions): GraphOptions {
  return {
    ...(options.fusedAttention !== undefined ? { fusedAttention: options.fusedAttention } : {}),
    ...(options.deepCacheBranch !== undefined ? { deepCacheBranch: options.deepCacheBranch } : {}),
  };
}

/** Elements of the graph's weights: the checkpoint's tensors it reads, or what a rewrite made of them (int8), not its shape constants. */
function initializerElements(graph: GraphBuilder): number {
  return graph.initializers.filter((init) => init.dtype !== 'INT64' && !init.name.startsWith('const')).reduce((n, init) => n + init.dims.reduce((a, b) => a * b, 1), 0);
}
