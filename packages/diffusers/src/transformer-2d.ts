import { multiHeadAttention } from './attention.js';
import { activation, conv2d, dense, fromTokens, groupNorm, layerNorm, toTokens, type LayerContext } from './nn-layers.js';

/** What a Transformer2DModel of a cross-attention block is built with (from the UNet config, per level). */
export interface TransformerSpec {
  readonly heads: number;
  /** BasicTransformerBlocks in this Transformer2DModel (transformer_layers_per_block). */
  readonly layers: number;
  /** [B, S, crossAttentionDim]: the text encoder's hidden states. */
  readonly encoderHiddenStates: string;
  readonly crossAttentionDim: number;
  readonly useLinearProjection: boolean;
  readonly onlyCrossAttention: boolean;
  /** The group norm's groups (the block's resnet_groups). */
  readonly groups: number;
}

/** diffusers' Transformer2DModel on continuous input (GroupNorm eps 1e-6, proj_in, blocks, proj_out, + residual). */
export function transformer2D(ctx: LayerContext, x: string, prefix: string, channels: number, spec: TransformerSpec): string {
  const { graph } = ctx;
  const headDim = Math.floor(channels / spec.heads);
  const inner = spec.heads * headDim;
  const normed = groupNorm(ctx, x, `${prefix}.norm`, channels, spec.groups, 1e-6);
  let tokens: string;
  if (spec.useLinearProjection) {
    tokens = dense(ctx, toTokens(ctx, normed, channels, prefix), `${prefix}.proj_in`, channels, inner);
  } else {
    tokens = toTokens(ctx, conv2d(ctx, normed, `${prefix}.proj_in`, { in: channels, out: inner, kernel: 1 }), inner, prefix);
  }
  for (let i = 0; i < spec.layers; i++) {
    tokens = basicTransformerBlock(ctx, tokens, `${prefix}.transformer_blocks.${i}`, { ...spec, dim: inner, headDim });
  }
  let out: string;
  if (spec.useLinearProjection) {
    out = fromTokens(ctx, dense(ctx, tokens, `${prefix}.proj_out`, inner, channels), x, prefix);
  } else {
    out = conv2d(ctx, reshapeChannels(ctx, tokens, x, inner, prefix), `${prefix}.proj_out`, { in: inner, out: channels, kernel: 1 });
  }
  return graph.op('Add', [out, x], {}, prefix);
}

/**
 * BasicTransformerBlock with norm_type 'layer_norm' (LayerNorm eps 1e-5): self-attention (cross-attention on the
 * text when only_cross_attention), cross-attention on the text, GEGLU feed-forward, each pre-normed and residual.
 * The attention projections have no bias (attention_bias False); their outputs do.
 */
function basicTransformerBlock(
  ctx: LayerContext,
  tokens: string,
  prefix: string,
  spec: TransformerSpec & { readonly dim: number; readonly headDim: number },
): string {
  const { graph } = ctx;
  const attention = { heads: spec.heads, headDim: spec.headDim, queryDim: spec.dim, qkvBias: false };
  const cross = { ...attention, contextDim: spec.crossAttentionDim };
  let h = tokens;
  const first = layerNorm(ctx, h, `${prefix}.norm1`, spec.dim, 1e-5);
  const selfContext = spec.onlyCrossAttention ? spec.encoderHiddenStates : undefined;
  h = graph.op('Add', [multiHeadAttention(ctx, first, selfContext, `${prefix}.attn1`, spec.onlyCrossAttention ? cross : attention), h], {}, prefix);
  const second = layerNorm(ctx, h, `${prefix}.norm2`, spec.dim, 1e-5);
  h = graph.op('Add', [multiHeadAttention(ctx, second, spec.encoderHiddenStates, `${prefix}.attn2`, cross), h], {}, prefix);
  const third = layerNorm(ctx, h, `${prefix}.norm3`, spec.dim, 1e-5);
  return graph.op('Add', [gegluFeedForward(ctx, third, `${prefix}.ff`, spec.dim), h], {}, prefix);
}

/** FeedForward with GEGLU (mult 4): proj to 2·inner, hidden · gelu(gate), then back to dim. */
function gegluFeedForward(ctx: LayerContext, tokens: string, prefix: string, dim: number): string {
  const { graph } = ctx;
  const inner = 4 * dim;
  const projected = dense(ctx, tokens, `${prefix}.net.0.proj`, dim, 2 * inner);
  const [hidden, gate] = graph.opMulti('Split', [projected, graph.constant('INT64', [2], [inner, inner])], 2, { axis: -1 }, prefix);
  const gated = graph.op('Mul', [hidden!, activation(ctx, gate!, 'gelu', prefix)], {}, prefix);
  return dense(ctx, gated, `${prefix}.net.2`, inner, dim);
}

/** Tokens [B, H·W, inner] → [B, inner, H, W] with H and W taken from `like` ([B, C, H, W]). */
function reshapeChannels({ graph }: LayerContext, tokens: string, like: string, inner: number, scope: string): string {
  const spatial = graph.op('Shape', [like], { start: 2 }, scope);
  const shape = graph.op('Concat', [graph.constant('INT64', [2], [0, inner]), spatial], { axis: 0 }, scope);
  return graph.op('Reshape', [graph.op('Transpose', [tokens], { perm: [0, 2, 1] }, scope), shape], {}, scope);
}
