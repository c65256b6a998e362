import { multiHeadAttention } from './attention.js';
import type { ClipTextConfig } from './clip-text-config.js';
import { activation, dense, layerNorm, type LayerContext } from './nn-layers.js';

/** transformers' CLIPAttention weight names (q_proj, k_proj, v_proj, out_proj; all with bias). */
const CLIP_ATTENTION_NAMES = { query: 'q_proj', key: 'k_proj', value: 'v_proj', out: 'out_proj' } as const;

/**
 * transformers' CLIPEncoderLayer, pre-norm: h + self_attn(layer_norm1(h)), then h + mlp(layer_norm2(h)).
 * The attention is CLIPAttention with eager_attention_forward: softmax(Q·Kᵀ · head_dim^-½ + causal mask) · V, the
 * same math as multiHeadAttention. `causalMask` is added to the scores [B, heads, S, S].
 */
export function clipEncoderLayer(ctx: LayerContext, h: string, prefix: string, config: ClipTextConfig, causalMask: string): string {
  const { graph } = ctx;
  const width = config.hiddenSize;
  const normed = layerNorm(ctx, h, `${prefix}.layer_norm1`, width, config.layerNormEps);
  const attended = multiHeadAttention(ctx, normed, undefined, `${prefix}.self_attn`, {
    heads: config.numAttentionHeads,
    headDim: width / config.numAttentionHeads,
    queryDim: width,
    qkvBias: true,
    scoreBias: causalMask,
    names: CLIP_ATTENTION_NAMES,
  });
  const afterAttention = graph.op('Add', [h, attended], {}, prefix);
  const mlp = clipMlp(ctx, layerNorm(ctx, afterAttention, `${prefix}.layer_norm2`, width, config.layerNormEps), `${prefix}.mlp`, config);
  return graph.op('Add', [afterAttention, mlp], {}, prefix);
}

/** transformers' CLIPMLP: fc1 → hidden_act → fc2. */
function clipMlp(ctx: LayerContext, x: string, prefix: string, config: ClipTextConfig): string {
  const hidden = dense(ctx, x, `${prefix}.fc1`, config.hiddenSize, config.intermediateSize);
  return dense(ctx, activation(ctx, hidden, config.hiddenAct, `${prefix}.act`), `${prefix}.fc2`, config.intermediateSize, config.hiddenSize);
}
