import type { GraphBuilder, GraphNode } from './onnx-graph.js';
import { rewrittenGraph } from './graph-rewrite.js';

/** A convolution the int8 graph quantizes: its layer (the module's state_dict prefix) and the values around it. */
export interface QuantizableConv {
  /** The module, e.g. 'down_blocks.0.resnets.0.conv1'. */
  readonly layer: string;
  /** The activation it reads (float32 [B, C, H, W]) and the value it writes. */
  readonly input: string;
  readonly output: string;
  /** The weights-file initializers of its weight and bias (float32, float16, bfloat16 or float64 in the file). */
  readonly weight: string;
  readonly bias?: string;
}

export interface Int8Plan {
  readonly convs: readonly QuantizableConv[];
  /**
   * The layers with weights that stay float32, by module: conv_in and conv_out (the model's first and last
   * convolution, whose error reaches the sample directly), anything inside attention, and the dense layers
   * (MatMul/Gemm: attention projections, time embedding).
   */
  readonly floatLayers: readonly string[];
}

/** A layer inside an attention module (`….attentions.N…`: self- or cross-attention, a transformer's proj_in/proj_out). */
export const isAttentionLayer = (layer: string): boolean => /(^|\.)attentions\.\d+/.test(layer);

/** The first and last convolution of a UNet/VAE: kept float32, as every int8 recipe for diffusion models does. */
const FLOAT_CONVS: ReadonlySet<string> = new Set(['conv_in', 'conv_out']);

/**
 * The Conv nodes of `graph` to quantize: every Conv but conv_in, conv_out (and any Conv making a graph output), those of attention modules
 * (`….attentions.N…`: a transformer's proj_in/proj_out) and those named in `keepFloat`. A Conv whose weight is not
 * a weights-file tensor (never the case in graphs built from a checkpoint) stays float32 too.
 */
export function int8Candidates(graph: GraphBuilder, keepFloat: readonly string[] = []): Int8Plan {
  const producers = new Map<string, GraphNode>();
  for (const node of graph.nodes) for (const output of node.outputs) producers.set(output, node);
  const fromFile = new Set(graph.initializers.filter((init) => init.data.kind === 'weights-file').map((init) => init.name));
  // A float16/bfloat16 weight reaches the Conv through a Cast of its initializer (see CheckpointWeights.take).
  const storedAs = (value: string | undefined): string | undefined => {
    if (value === undefined || value === '') return undefined;
    if (fromFile.has(value)) return value;
    const producer = producers.get(value);
    return producer?.opType === 'Cast' && fromFile.has(producer.inputs[0] ?? '') ? producer.inputs[0] : undefined;
  };

  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const convs: QuantizableConv[] = [];
  const floatLayers = new Set<string>();
  for (const node of graph.nodes) {
    if (node.opType !== 'Conv' && node.opType !== 'MatMul' && node.opType !== 'Gemm') continue;
    const weight = storedAs(node.inputs[1]);
    const bias = storedAs(node.inputs[2]);
    // The module is its weight's state_dict prefix; a node's own name loses it when it makes a graph output.
    const layer = weight?.endsWith('.weight') ? weight.slice(0, -'.weight'.length) : scopeOf(node);
    const quantized =
      node.opType === 'Conv' &&
      weight !== undefined &&
      !graphOutputs.has(node.outputs[0]!) &&
      (node.inputs[2] === undefined || bias !== undefined) &&
      !FLOAT_CONVS.has(layer) &&
      !isAttentionLayer(layer) &&
      !keepFloat.includes(layer);
    if (quantized) convs.push({ layer, input: node.inputs[0]!, output: node.outputs[0]!, weight, ...(bias ? { bias } : {}) });
    else floatLayers.add(layer);
  }
  return { convs, floatLayers: [...floatLayers] };
}

/** The values whose ranges calibration measures: each quantized Conv's input and output, once each. */
export function int8ProbeValues(plan: Int8Plan): string[] {
  return [...new Set(plan.convs.flatMap((conv) => [conv.input, conv.output]))];
}

/**
 * A copy of `graph` that also outputs `values` (float32, rank 4, as every Conv activation is), after its own
 * outputs, so that a calibration run can read them.
 */
export function withActivationProbes(graph: GraphBuilder, values: readonly string[]): GraphBuilder {
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const missing = values.filter((v) => !produced.has(v));
  if (missing.length > 0) throw new Error(`internal error: no node of the graph produces ${missing.join(', ')}`);
  const own = new Set(graph.outputs.map((o) => o.name));
  const probes = values
    .filter((v) => !own.has(v))
    .map((name, i) => ({ name, dtype: 'FLOAT' as const, shape: [`probe${i}_n`, `probe${i}_c`, `probe${i}_h`, `probe${i}_w`] }));
  return rewrittenGraph(graph, { outputs: [...graph.outputs, ...probes] });
}

/** A node's module: its output's name up to the operator ('mid_block.resnets.0.conv1/Conv' → 'mid_block.resnets.0.conv1'). */
function scopeOf(node: GraphNode): string {
  const output = node.outputs[0] ?? '';
  const slash = output.lastIndexOf('/');
  return slash < 0 ? '' : output.slice(0, slash);
}
