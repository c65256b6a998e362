import { activation, linear, type ActivationKind, type LayerContext } from './nn-layers.js';

/**
 * Timesteps' frequencies exp(−ln(10000)·i / (half − freq_shift)), i < half, rounded to float32 at each step
 * as torch computes them in float32 (get_timestep_embedding).
 */
export function sinusoidalFrequencies(dim: number, freqShift: number): number[] {
  const half = Math.floor(dim / 2);
  const logMaxPeriod = Math.fround(-Math.log(10000));
  const divisor = Math.fround(half - freqShift);
  return Array.from({ length: half }, (_, i) => Math.fround(Math.exp(Math.fround(Math.fround(logMaxPeriod * i) / divisor))));
}

/**
 * diffusers' Timesteps (get_timestep_embedding): [B] values (cast to float32) → [B, dim] as [sin, cos] of
 * t·frequency, or [cos, sin] with flip_sin_to_cos; an odd dim is padded with one zero column.
 */
export function sinusoidalProjection(
  { graph }: LayerContext,
  value: string,
  dim: number,
  options: { readonly flipSinToCos: boolean; readonly freqShift: number },
  scope: string,
): string {
  const frequencies = graph.constant('FLOAT', [1, Math.floor(dim / 2)], sinusoidalFrequencies(dim, options.freqShift));
  const t = graph.op('Unsqueeze', [graph.op('Cast', [value], { to: 1 }, scope), graph.constant('INT64', [1], [1])], {}, scope);
  const args = graph.op('Mul', [t, frequencies], {}, scope);
  const sin = graph.op('Sin', [args], {}, scope);
  const cos = graph.op('Cos', [args], {}, scope);
  const emb = graph.op('Concat', options.flipSinToCos ? [cos, sin] : [sin, cos], { axis: 1 }, scope);
  return dim % 2 === 1 ? graph.op('Pad', [emb, graph.constant('INT64', [4], [0, 0, 0, 1])], {}, scope) : emb;
}

/**
 * diffusers' TimestepEmbedding: [+ cond_proj(condition)] → linear_1 → act → linear_2. `condition` is LCM's guidance
 * embedding (time_cond_proj_dim), projected by a bias-free cond_proj and added before linear_1.
 */
export function timestepEmbedding(
  ctx: LayerContext,
  x: string,
  prefix: string,
  channels: { readonly in: number; readonly out: number },
  options: { readonly act: ActivationKind; readonly condition?: { readonly value: string; readonly dim: number } } = { act: 'silu' },
): string {
  let input = x;
  if (options.condition) {
    const projected = linear(ctx, options.condition.value, `${prefix}.cond_proj`, options.condition.dim, channels.in, { bias: false });
    input = ctx.graph.op('Add', [input, projected], {}, prefix);
  }
  const hidden = activation(ctx, linear(ctx, input, `${prefix}.linear_1`, channels.in, channels.out), options.act, prefix);
  return linear(ctx, hidden, `${prefix}.linear_2`, channels.out, channels.out);
}

/**
 * UNet2DConditionModel's added embedding for addition_embed_type "text_time" (SDXL; `get_aug_embed`): every time id
 * [B, ids] through the same Timesteps as a timestep (add_time_proj, `timeEmbedDim` channels each), each row's
 * projections flattened in id order, concatenated after text_embeds [B, E], then add_embedding, a TimestepEmbedding
 * built with its default act (silu, whatever the UNet's act_fn).
 */
export function textTimeEmbedding(
  ctx: LayerContext,
  inputs: { readonly textEmbeds: string; readonly timeIds: string },
  dims: { readonly timeEmbedDim: number; readonly inputDim: number; readonly out: number },
  projection: { readonly flipSinToCos: boolean; readonly freqShift: number },
): string {
  const { graph } = ctx;
  const flat = graph.op('Reshape', [inputs.timeIds, graph.constant('INT64', [1], [-1])], {}, 'add_time_proj');
  const projected = sinusoidalProjection(ctx, flat, dims.timeEmbedDim, projection, 'add_time_proj');
  // [B·ids, timeEmbedDim] → [B, ids·timeEmbedDim], B taken from text_embeds as diffusers takes it.
  const batch = graph.op('Shape', [inputs.textEmbeds], { end: 1 }, 'add_time_proj');
  const rowShape = graph.op('Concat', [batch, graph.constant('INT64', [1], [-1])], { axis: 0 }, 'add_time_proj');
  const perRow = graph.op('Reshape', [projected, rowShape], {}, 'add_time_proj');
  const joined = graph.op('Concat', [inputs.textEmbeds, perRow], { axis: 1 }, 'add_embedding');
  return timestepEmbedding(ctx, joined, 'add_embedding', { in: dims.inputDim, out: dims.out }, { act: 'silu' });
}
