import { int8Candidates, type Int8Plan, type QuantizableConv } from './int8-candidates.js';
import type { GraphBuilder, GraphInitializer, GraphNode } from './onnx-graph.js';
import { ONNX_OPS } from './onnx-ops.js';
import { readFloatTensor } from './read-float-tensor.js';
import { rewrittenGraph } from './graph-rewrite.js';
import type { WeightsFile } from './weights-file.js';

/** The calibrated range of one activation, over every calibration call. */
export interface ActivationRange {
  readonly min: number;
  readonly max: number;
}

export interface QuantizeGraphOptions {
  /** Layers (module names, as in Int8Plan.floatLayers) to keep float32 besides those int8Candidates keeps. */
  readonly keepFloat?: readonly string[];
}

export interface QuantizedGraph {
  readonly graph: GraphBuilder;
  readonly plan: Int8Plan;
}

/**
 * A copy of `graph` in which each Conv of int8Candidates runs in int8, in ONNX's QDQ format:
 *
 *   x → QuantizeLinear → DequantizeLinear ─┐
 *   w (int8, per output channel) → DQ ─────┼→ Conv → QuantizeLinear → DequantizeLinear → y
 *   b (int32, scale s_x·s_w) → DQ ─────────┘
 *
 * Activations are uint8 with a per-tensor scale and zero point from their calibrated range (widened to hold 0, so
 * that zero padding is exact); weights are int8, symmetric per output channel (s_w = max|w|/127, axis 0), computed
 * here from the float weights of the weights file and stored inline. onnxruntime's CPU provider fuses each
 * DQ→Conv→Q group into one QLinearConv (u8 activations × s8 weights: the VNNI instruction's own operand types).
 * It fuses only the whole group: with float32 bias or without the output QuantizeLinear, the Conv stays float and the
 * QDQ pairs only add work (measured with onnxruntime 1.30; see packages/runtime/bench/int8-forward.ts), so the
 * output is quantized too and the bias is int32, as onnxruntime's own quantizer writes it.
 * `ranges` must hold every Conv's input and output (int8ProbeValues).
 */
export async function quantizeGraph(
  graph: GraphBuilder,
  weights: WeightsFile,
  ranges: ReadonlyMap<string, ActivationRange>,
  options: QuantizeGraphOptions = {},
): Promise<QuantizedGraph> {
  const plan = int8Candidates(graph, options.keepFloat);
  const missing = plan.convs.flatMap((c) => [c.input, c.output]).filter((v) => !ranges.has(v));
  if (missing.length > 0) throw new Error(`no calibrated range for ${missing.length} activations (${missing.slice(0, 3).join(', ')}…)`);
  const byOutput = new Map(plan.convs.map((conv) => [conv.output, conv]));
  const nodes: GraphNode[] = [];
  const initializers: GraphInitializer[] = [...graph.initializers];
  for (const node of graph.nodes) {
    const conv = node.opType === 'Conv' ? byOutput.get(node.outputs[0]!) : undefined;
    if (!conv) {
      nodes.push(node);
      continue;
    }
    const groups = await quantizedConv(node, conv, weights, ranges);
    nodes.push(...groups.nodes);
    initializers.push(...groups.initializers);
  }
  return { graph: rewrittenGraph(graph, { nodes, initializers }), plan };
}

interface QuantParams {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** uint8 affine parameters of a range, widened to hold 0: x ≈ (q − zeroPoint)·scale, q ∈ [0, 255]. */
function uint8Params({ min, max }: ActivationRange): QuantParams {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = Math.fround(hi > lo ? (hi - lo) / 255 : 1);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

async function quantizedConv(
  node: GraphNode,
  conv: QuantizableConv,
  weights: WeightsFile,
  ranges: ReadonlyMap<string, ActivationRange>,
): Promise<{ nodes: GraphNode[]; initializers: GraphInitializer[] }> {
  const name = (what: string) => `${conv.layer}/int8_${what}`;
  const initializers: GraphInitializer[] = [];
  const inline = (what: string, dtype: GraphInitializer['dtype'], dims: readonly number[], bytes: Uint8Array): string => {
    initializers.push({ name: name(what), dtype, dims, data: { kind: 'inline', bytes } });
    return name(what);
  };
  const scalar = (what: string, p: QuantParams): [string, string] => [
    inline(`${what}_scale`, 'FLOAT', [], new Uint8Array(Float32Array.of(p.scale).buffer)),
    inline(`${what}_zero_point`, 'UINT8', [], Uint8Array.of(p.zeroPoint)),
  ];
  const op = (opType: 'QuantizeLinear' | 'DequantizeLinear', inputs: string[], output: string, axis?: number): GraphNode => ({
    opType,
    domain: ONNX_OPS[opType].domain,
    inputs,
    outputs: [output],
    attributes: axis === undefined ? {} : { axis },
  });

  const xParams = uint8Params(ranges.get(conv.input)!);
  const x = scalar('x', xParams);
  const y = scalar('y', uint8Params(ranges.get(conv.output)!));
  const w = await readFloatTensor(weights, conv.weight);
  const shape = weights.tensors.get(conv.weight)!.shape;
  const channels = shape[0]!;
  const perChannel = w.length / channels;
  const wScale = new Float32Array(channels);
  const wInt8 = new Int8Array(w.length);
  for (let c = 0; c < channels; c++) {
    let absMax = 0;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) absMax = Math.max(absMax, Math.abs(w[i]!));
    // An all-zero channel keeps scale 1 (its int8 weights are 0 either way); a scale must be > 0.
    const scale = absMax > 0 ? Math.fround(absMax / 127) : 1;
    wScale[c] = scale;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) wInt8[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scale)));
  }
  const wq = inline('w', 'INT8', shape, new Uint8Array(wInt8.buffer));
  const ws = inline('w_scale', 'FLOAT', [channels], new Uint8Array(wScale.buffer));
  const wz = inline('w_zero_point', 'INT8', [channels], new Uint8Array(channels));

  const nodes: GraphNode[] = [op('QuantizeLinear', [conv.input, ...x], name('x_q')), op('DequantizeLinear', [name('x_q'), ...x], name('x_dq'))];
  nodes.push(op('DequantizeLinear', [wq, ws, wz], name('w_dq'), 0));
  const convInputs = [name('x_dq'), name('w_dq')];
  if (conv.bias) {
    // int32 bias in units of s_x·s_w[c]: the scale QLinearConv accumulates in, so it adds the bias exactly.
    const b = await readFloatTensor(weights, conv.bias);
    const bScale = wScale.map((s) => Math.fround(s * xParams.scale));
    const bInt32 = Int32Array.from(b, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / bScale[c]!))));
    const bq = inline('b', 'INT32', [channels], new Uint8Array(bInt32.buffer));
    const bs = inline('b_scale', 'FLOAT', [channels], new Uint8Array(bScale.buffer));
    nodes.push(op('DequantizeLinear', [bq, bs], name('b_dq'), 0));
    convInputs.push(name('b_dq'));
  }
  nodes.push({ ...node, inputs: convInputs, outputs: [name('y_float')] });
  nodes.push(op('QuantizeLinear', [name('y_float'), ...y], name('y_q')), op('DequantizeLinear', [name('y_q'), ...y], conv.output));
  return { nodes, initializers };
}
