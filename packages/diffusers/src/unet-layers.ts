import type { CheckpointWeights } from './checkpoint-weights.js';
import { float, type GraphBuilder } from './onnx-graph.js';
import type { Activation } from './unet-config.js';

/** What every layer function needs: the graph being built and the checkpoint it takes weights from. */
export interface LayerContext {
  readonly graph: GraphBuilder;
  readonly weights: CheckpointWeights;
}

/** SiLU x·σ(x), or Mish x·tanh(softplus(x)) (diffusers' get_activation; 'swish' is SiLU). */
export function activation({ graph }: LayerContext, x: string, kind: Activation, scope: string): string {
  if (kind === 'mish') return graph.op('Mul', [x, graph.op('Tanh', [graph.op('Softplus', [x], {}, scope)], {}, scope)], {}, scope);
  return graph.op('Mul', [x, graph.op('Sigmoid', [x], {}, scope)], {}, scope);
}

/**
 * torch.nn.GroupNorm over NC… (any rank ≥ 3): normalize each of `groups` channel groups, then the per-channel
 * affine. Written as Reshape → InstanceNormalization → Reshape, the form onnxruntime runs fastest on CPU.
 */
export function groupNorm(ctx: LayerContext, x: string, prefix: string, channels: number, groups: number, eps: number): string {
  const { graph, weights } = ctx;
  const gamma = weights.take(`${prefix}.weight`, [channels]);
  const beta = weights.take(`${prefix}.bias`, [channels]);
  const grouped = graph.op('Reshape', [x, graph.constant('INT64', [3], [0, groups, -1])], {}, prefix);
  const ones = graph.constant('FLOAT', [groups], new Array<number>(groups).fill(1));
  const zeros = graph.constant('FLOAT', [groups], new Array<number>(groups).fill(0));
  const normalized = graph.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: float(eps) }, prefix);
  const restored = graph.op('Reshape', [normalized, graph.op('Shape', [x], {}, prefix)], {}, prefix);
  const channelAxes = graph.constant('INT64', [2], [1, 2]);
  const scaled = graph.op('Mul', [restored, graph.op('Unsqueeze', [gamma, channelAxes], {}, prefix)], {}, prefix);
  return graph.op('Add', [scaled, graph.op('Unsqueeze', [beta, channelAxes], {}, prefix)], {}, prefix);
}

/** torch.nn.Conv2d with bias; `pads` is [top, left, bottom, right]. */
export function conv2d(
  ctx: LayerContext,
  x: string,
  prefix: string,
  shape: { readonly in: number; readonly out: number; readonly kernel: number },
  options: { readonly stride?: number; readonly pads?: readonly [number, number, number, number] } = {},
): string {
  const { graph, weights } = ctx;
  const k = shape.kernel;
  const w = weights.take(`${prefix}.weight`, [shape.out, shape.in, k, k]);
  const b = weights.take(`${prefix}.bias`, [shape.out]);
  const pad = (k - 1) / 2;
  const stride = options.stride ?? 1;
  return graph.op('Conv', [x, w, b], {
    kernel_shape: [k, k],
    strides: [stride, stride],
    pads: options.pads ?? [pad, pad, pad, pad],
  }, prefix);
}

/** torch.nn.Linear on [B, in] → [B, out]. */
export function linear(ctx: LayerContext, x: string, prefix: string, inFeatures: number, outFeatures: number): string {
  const w = ctx.weights.take(`${prefix}.weight`, [outFeatures, inFeatures]);
  const b = ctx.weights.take(`${prefix}.bias`, [outFeatures]);
  return ctx.graph.op('Gemm', [x, w, b], { transB: 1 }, prefix);
}

/**
 * torch.nn.Linear applied channel-first: [out, in] · [B, in, N] + bias → [B, out, N]. Keeps the attention in
 * the NC(HW) layout of the convolutions, so the checkpoint's weight is used as stored (no transpose).
 */
export function linearChannelFirst(ctx: LayerContext, x: string, prefix: string, inFeatures: number, outFeatures: number): string {
  const { graph, weights } = ctx;
  const w = weights.take(`${prefix}.weight`, [outFeatures, inFeatures]);
  const b = weights.take(`${prefix}.bias`, [outFeatures]);
  const product = graph.op('MatMul', [w, x], {}, prefix);
  return graph.op('Add', [product, graph.op('Unsqueeze', [b, graph.constant('INT64', [1], [1])], {}, prefix)], {}, prefix);
}

/** F.interpolate(scale_factor=2, mode='nearest'): each pixel repeated 2×2. */
export function upsampleNearest2x({ graph }: LayerContext, x: string, scope: string): string {
  const scales = graph.constant('FLOAT', [4], [1, 1, 2, 2]);
  return graph.op('Resize', [x, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, scope);
}

/** F.avg_pool2d(kernel_size=2, stride=2). */
export function averagePool2x({ graph }: LayerContext, x: string, scope: string): string {
  return graph.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, scope);
}
