import { realpath } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { encodeAttributes, onnxDtype, type GraphBuilder, type GraphInitializer, type GraphValueInfo } from './onnx-graph.js';
import { encodeModelProto } from './onnx-proto.js';
import { readWeightBytes } from './read-weight-bytes.js';
import type { WeightsFile } from './weights-file.js';

/**
 * 'external': weights that are plain ranges of the weights file stay there; the model names the file and
 * offsets (ONNX external data) and onnxruntime reads them itself, so JS never holds a copy. Load such bytes
 * with the session option that names `externalDataFolder`.
 * 'embedded': every tensor's bytes go into the model (a self-contained .onnx, e.g. to write to disk).
 */
export type WeightStorage = 'external' | 'embedded';

export interface EncodedModel {
  readonly bytes: Uint8Array;
  /** The folder the external data lives in (the weights file's folder); undefined when embedded. */
  readonly externalDataFolder?: string;
}

/** ONNX IR 8 with the default opset 17: what onnxruntime ≥ 1.15 and torch.onnx.export of this era use. */
const IR_VERSION = 8;
const OPSET = 17;

export async function encodeOnnxModel(
  graph: GraphBuilder,
  weights: WeightsFile,
  options: { readonly storage: WeightStorage; readonly producerVersion: string; readonly docString?: string; readonly graphName?: string },
): Promise<EncodedModel> {
  // onnxruntime resolves symlinks and refuses external data outside the folder it is given, so name the real
  // file: in a huggingface_hub cache the weights are a snapshot link to blobs/<sha256>.
  const weightsFile = options.storage === 'external' ? await realpath(weights.path) : weights.path;
  const initializers = await Promise.all(graph.initializers.map((init) => encodeInitializer(init, weights, weightsFile, options.storage)));
  const bytes = encodeModelProto({
    irVersion: IR_VERSION,
    producerName: 'denoise',
    producerVersion: options.producerVersion,
    ...(options.docString ? { docString: options.docString } : {}),
    opsetImport: [{ domain: '', version: OPSET }, ...(graph.nodes.some((n) => n.domain === 'com.microsoft') ? [{ domain: 'com.microsoft', version: 1 }] : [])],
    graph: {
      name: options.graphName ?? 'unet',
      node: graph.nodes.map((node) => ({
        input: node.inputs,
        output: node.outputs,
        name: node.outputs[0],
        opType: node.opType,
        domain: node.domain,
        attribute: encodeAttributes(node),
      })),
      initializer: initializers,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
  });
  return options.storage === 'external' ? { bytes, externalDataFolder: dirname(weightsFile) } : { bytes };
}

async function encodeInitializer(init: GraphInitializer, weights: WeightsFile, weightsFile: string, storage: WeightStorage): Promise<Record<string, unknown>> {
  const head = { name: init.name, dims: init.dims, dataType: onnxDtype(init.dtype) };
  if (init.data.kind === 'inline') return { ...head, rawData: init.data.bytes };
  const tensor = weights.tensors.get(init.data.tensorName);
  if (!tensor) throw new Error(`internal error: initializer '${init.name}' names no tensor of ${weights.path}`);
  if (storage === 'external' && tensor.source.kind === 'file-range') {
    return {
      ...head,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: basename(weightsFile) },
        { key: 'offset', value: String(tensor.source.offset) },
        { key: 'length', value: String(tensor.source.byteLength) },
      ],
    };
  }
  return { ...head, rawData: await readWeightBytes(weights, tensor) };
}

function valueInfo(info: GraphValueInfo): Record<string, unknown> {
  return {
    name: info.name,
    type: {
      tensorType: {
        elemType: onnxDtype(info.dtype),
        shape: { dim: info.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
