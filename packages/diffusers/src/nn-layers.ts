import type { ModuleWeights } from './checkpoint-weights.js';
import type { GraphBuilder } from './onnx-graph.js';

/**
 * The small layer library every graph builder uses (UNet2DModel, UNet2DConditionModel, AutoencoderKL, CLIP): each
 * function is one torch.nn module, takes its weights by their state_dict prefix and emits its ONNX nodes.
 */

/** What every layer function needs: the graph being built and the checkpoint it takes weights from. */
export interface LayerContext {
  readonly graph: GraphBuilder;
  readonly weights: ModuleWeights;
}

/**
 * diffusers' get_activation and transformers' ACT2FN, for the names the supported configs use: SiLU ('swish' is
 * the same), Mish, GELU (exact, erf), and CLIP's quick_gelu x·σ(1.702·x).
 */
export type ActivationKind = 'silu' | 'swish' | 'mish' | 'gelu' | 'quick_gelu';

export function activation({ graph }: LayerContext, x: string, kind: ActivationKind, scope: string): string {
  switch (kind) {
    case 'silu':
    case 'swish':
      return graph.op('Mul', [x, graph.op('Sigmoid', [x], {}, scope)], {}, scope);
    case 'mish':
      return graph.op('Mul', [x, graph.op('Tanh', [graph.op('Softplus', [x], {}, scope)], {}, scope)], {}, scope);
    case 'quick_gelu': {
      const scaled = graph.op('Mul', [x, graph.constant('FLOAT', [], [1.702])], {}, scope);
      return graph.op('Mul', [x, graph.op('Sigmoid', [scaled], {}, scope)], {}, scope);
    }
    case 'gelu': {
      // 0.5·x·(1 + erf(x/√2)), the form onnxruntime fuses into one Gelu kernel.
      const erf = graph.op('Erf', [graph.op('Div', [x, graph.constant('FLOAT', [], [Math.SQRT2])], {}, scope)], {}, scope);
      const gate = graph.op('Add', [erf, graph.constant('FLOAT', [], [1])], {}, scope);
      return graph.op('Mul', [graph.op('Mul', [x, gate], {}, scope), graph.constant('FLOAT', [], [0.5])], {}, scope);
    }
  }
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
  const normalized = graph.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: eps }, prefix);
  const restored = graph.op('Reshape', [normalized, graph.op('Shape', [x], {}, prefix)], {}, prefix);
  const channelAxes = graph.constant('INT64', [2], [1, 2]);
  const scaled = graph.op('Mul', [restored, graph.op('Unsqueeze', [gamma, channelAxes], {}, prefix)], {}, prefix);
  return graph.op('Add', [scaled, graph.op('Unsqueeze', [beta, channelAxes], {}, prefix)], {}, prefix);
}

/** torch.nn.LayerNorm over the last axis (elementwise affine). */
export function layerNorm(ctx: LayerContext, x: string, prefix: string, channels: number, eps: number): string {
  const gamma = ctx.weights.take(`${prefix}.weight`, [channels]);
  const beta = ctx.weights.take(`${prefix}.bias`, [channels]);
  return ctx.graph.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: eps }, prefix);
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
  return graph.op('Conv', [x, w, b], { kernel_shape: [k, k], strides: [stride, stride], pads: options.pads ?? [pad, pad, pad, pad] }, prefix);
}

/** torch.nn.Linear on [B, in] → [B, out]. */
export function linear(ctx: LayerContext, x: string, prefix: string, inFeatures: number, outFeatures: number, options: { readonly bias?: boolean } = {}): string {
  const w = ctx.weights.take(`${prefix}.weight`, [outFeatures, inFeatures]);
  const inputs = options.bias === false ? [x, w] : [x, w, ctx.weights.take(`${prefix}.bias`, [outFeatures])];
  return ctx.graph.op('Gemm', inputs, { transB: 1 }, prefix);
}

/**
 * torch.nn.Linear on the last axis of a tensor of any rank, [..., in] → [..., out]: MatMul with the transposed
 * weight (onnxruntime folds the transpose of a constant once, at session creation), then the bias.
 */
export function dense(ctx: LayerContext, x: string, prefix: string, inFeatures: number, outFeatures: number, options: { readonly bias?: boolean } = {}): string {
  const { graph, weights } = ctx;
  const w = weights.take(`${prefix}.weight`, [outFeatures, inFeatures]);
  const product = graph.op('MatMul', [x, graph.op('Transpose', [w], { perm: [1, 0] }, prefix)], {}, prefix);
  if (options.bias === false) return product;
  return graph.op('Add', [product, weights.take(`${prefix}.bias`, [outFeatures])], {}, prefix);
}

/** [B, C, H, W] → [B, H·W, C]: the token layout of attention and transformer blocks. */
export function toTokens({ graph }: LayerContext, x: string, channels: number, scope: string): string {
  const flat = graph.op('Reshape', [x, graph.constant('INT64', [3], [0, channels, -1])], {}, scope);
  return graph.op('Transpose', [flat], { perm: [0, 2, 1] }, scope);
}

/** [B, H·W, C] → the shape of `like` ([B, C, H, W]). */
export function fromTokens({ graph }: LayerContext, tokens: string, like: string, scope: string): string {
  const channelFirst = graph.op('Transpose', [tokens], { perm: [0, 2, 1] }, scope);
  return graph.op('Reshape', [channelFirst, graph.op('Shape', [like], {}, scope)], {}, scope);
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

/** x / factor; nothing for factor 1. */
export function divideBy({ graph }: LayerContext, x: string, factor: number, scope: string): string {
  return factor === 1 ? x : graph.op('Div', [x, graph.constant('FLOAT', [], [factor])], {}, scope);
}
