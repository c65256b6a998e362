import { dense, divideBy, fromTokens, groupNorm, toTokens, type LayerContext } from './nn-layers.js';

/** The weight names of one attention module (diffusers: to_q/to_k/to_v/to_out.0; CLIP: q_proj/k_proj/v_proj/out_proj). */
export interface AttentionWeightNames {
  readonly query: string;
  readonly key: string;
  readonly value: string;
  readonly out: string;
}

export const DIFFUSERS_ATTENTION_NAMES: AttentionWeightNames = { query: 'to_q', key: 'to_k', value: 'to_v', out: 'to_out.0' };

export interface AttentionSpec {
  readonly heads: number;
  readonly headDim: number;
  /** Channels of the query tokens (and of the output). */
  readonly queryDim: number;
  /** Channels of the context tokens, for cross-attention; the query's own tokens otherwise. */
  readonly contextDim?: number;
  /** Whether the q/k/v projections have a bias (diffusers' `bias`; CLIP: yes). The output projection always has one. */
  readonly qkvBias: boolean;
  /** An additive mask broadcast onto the scores [B, heads, N, M] (CLIP's causal mask), or none. */
  readonly scoreBias?: string;
  readonly names?: AttentionWeightNames;
}

/**
 * Multi-head scaled dot-product attention on tokens, the one attention every block uses (diffusers' Attention with
 * its classic processor; transformers' CLIPAttention): [B, N, Cq] (and context [B, M, Cc]) → [B, N, Cq].
 *   softmax(Q·Kᵀ · headDim^-½ [+ bias]) · V per head, then the output projection.
 * The scale is diffusers' `dim_head**-0.5`. upcast_attention / upcast_softmax mean float32 math, which this is.
 */
export function multiHeadAttention(ctx: LayerContext, tokens: string, context: string | undefined, prefix: string, spec: AttentionSpec): string {
  const names = spec.names ?? DIFFUSERS_ATTENTION_NAMES;
  const inner = spec.heads * spec.headDim;
  const keysFrom = context ?? tokens;
  const contextDim = context === undefined ? spec.queryDim : (spec.contextDim ?? spec.queryDim);
  const bias = { bias: spec.qkvBias };
  const q = dense(ctx, tokens, `${prefix}.${names.query}`, spec.queryDim, inner, bias);
  const k = dense(ctx, keysFrom, `${prefix}.${names.key}`, contextDim, inner, bias);
  const v = dense(ctx, keysFrom, `${prefix}.${names.value}`, contextDim, inner, bias);
  const fused = spec.scoreBias === undefined && ctx.graph.options.fusedAttention !== false;
  const merged = fused ? fusedAttention(ctx, q, k, v, prefix, spec) : explicitAttention(ctx, q, k, v, prefix, spec);
  return dense(ctx, merged, `${prefix}.${names.out}`, inner, spec.queryDim);
}

/**
 * onnxruntime's MultiHeadAttention kernel on the projected [B, N, H·D] queries and [B, M, H·D] keys and values: one
 * node that never materialises the [B, H, N, M] scores as graph tensors (SD 1.5's first level: 8 × 4096² per image),
 * with the same math as explicitAttention.
 */
function fusedAttention({ graph }: LayerContext, q: string, k: string, v: string, prefix: string, spec: AttentionSpec): string {
  return graph.op('MultiHeadAttention', [q, k, v], { num_heads: spec.heads, scale: Math.fround(spec.headDim ** -0.5) }, prefix);
}

/** The attention as standard operators, with an additive bias on the scores (CLIP's causal mask). */
function explicitAttention({ graph }: LayerContext, q: string, k: string, v: string, prefix: string, spec: AttentionSpec): string {
  const inner = spec.heads * spec.headDim;
  const perHead = graph.constant('INT64', [4], [0, 0, spec.heads, spec.headDim]);
  const heads = (value: string, perm: readonly number[]) => graph.op('Transpose', [graph.op('Reshape', [value, perHead], {}, prefix)], { perm }, prefix);
  const queries = heads(q, [0, 2, 1, 3]); // [B, H, N, D]
  const keysT = heads(k, [0, 2, 3, 1]); // [B, H, D, M]
  const values = heads(v, [0, 2, 1, 3]); // [B, H, M, D]
  let scores = graph.op('MatMul', [queries, keysT], {}, prefix);
  scores = graph.op('Mul', [scores, graph.constant('FLOAT', [], [Math.fround(spec.headDim ** -0.5)])], {}, prefix);
  if (spec.scoreBias !== undefined) scores = graph.op('Add', [scores, spec.scoreBias], {}, prefix);
  const probabilities = graph.op('Softmax', [scores], { axis: -1 }, prefix);
  const attended = graph.op('Transpose', [graph.op('MatMul', [probabilities, values], {}, prefix)], { perm: [0, 2, 1, 3] }, prefix);
  return graph.op('Reshape', [attended, graph.constant('INT64', [3], [0, 0, inner])], {}, prefix);
}

/**
 * diffusers' Attention as the UNet2DModel blocks and the VAE's mid block use it on images: [group_norm] → tokens →
 * self-attention (q/k/v with bias) → back to [B, C, H, W] → + residual → / rescale_output_factor.
 */
export function spatialSelfAttention(
  ctx: LayerContext,
  x: string,
  prefix: string,
  options: {
    readonly channels: number;
    readonly heads: number;
    readonly headDim: number;
    /** Group norm groups, or undefined for none. */
    readonly groups: number | undefined;
    readonly eps: number;
    readonly outputScaleFactor?: number;
  },
): string {
  const { graph } = ctx;
  const { channels } = options;
  const normed = options.groups === undefined ? x : groupNorm(ctx, x, `${prefix}.group_norm`, channels, options.groups, options.eps);
  const attended = multiHeadAttention(ctx, toTokens(ctx, normed, channels, prefix), undefined, prefix, {
    heads: options.heads,
    headDim: options.headDim,
    queryDim: channels,
    qkvBias: true,
  });
  const restored = fromTokens(ctx, attended, x, prefix);
  return divideBy(ctx, graph.op('Add', [restored, x], {}, prefix), options.outputScaleFactor ?? 1, prefix);
}
