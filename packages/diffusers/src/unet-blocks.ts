import type { DownBlockType, UNet2DConfig, UpBlockType } from './unet-config.js';
import {
  activation,
  averagePool2x,
  conv2d,
  groupNorm,
  linear,
  linearChannelFirst,
  upsampleNearest2x,
  type LayerContext,
} from './unet-layers.js';

/** The config-wide settings every block of UNet2DModel shares, plus the time embedding it adds. */
export interface BlockContext extends LayerContext {
  readonly config: UNet2DConfig;
  /** act_fn(emb), [B, temb]: what every resnet's time_emb_proj reads (computed once). */
  readonly activatedEmbedding: string;
  readonly embeddingChannels: number;
}

/** diffusers ResnetBlock2D (with up/down for the 'resnet' resampling blocks). */
export function resnetBlock(
  ctx: BlockContext,
  x: string,
  prefix: string,
  inChannels: number,
  outChannels: number,
  options: { readonly resample?: 'up' | 'down'; readonly outputScaleFactor?: number } = {},
): string {
  const { graph, config } = ctx;
  const groups = config.normNumGroups;
  let h = activation(ctx, groupNorm(ctx, x, `${prefix}.norm1`, inChannels, groups, config.normEps), config.actFn, prefix);
  let input = x;
  if (options.resample === 'up') {
    input = upsampleNearest2x(ctx, input, prefix);
    h = upsampleNearest2x(ctx, h, prefix);
  } else if (options.resample === 'down') {
    input = averagePool2x(ctx, input, prefix);
    h = averagePool2x(ctx, h, prefix);
  }
  h = conv2d(ctx, h, `${prefix}.conv1`, { in: inChannels, out: outChannels, kernel: 3 });

  const scaleShift = config.resnetTimeScaleShift === 'scale_shift';
  const temb = linear(ctx, ctx.activatedEmbedding, `${prefix}.time_emb_proj`, ctx.embeddingChannels, scaleShift ? 2 * outChannels : outChannels);
  const temb4d = graph.op('Unsqueeze', [temb, graph.constant('INT64', [2], [2, 3])], {}, prefix);
  if (scaleShift) {
    // h = norm2(h) · (1 + scale) + shift, with scale and shift the two halves of the projection.
    const [scale, shift] = graph.opMulti('Split', [temb4d, graph.constant('INT64', [2], [outChannels, outChannels])], 2, { axis: 1 }, prefix);
    const normed = groupNorm(ctx, h, `${prefix}.norm2`, outChannels, groups, config.normEps);
    const onePlusScale = graph.op('Add', [scale!, graph.constant('FLOAT', [], [1])], {}, prefix);
    h = graph.op('Add', [graph.op('Mul', [normed, onePlusScale], {}, prefix), shift!], {}, prefix);
  } else {
    h = groupNorm(ctx, graph.op('Add', [h, temb4d], {}, prefix), `${prefix}.norm2`, outChannels, groups, config.normEps);
  }
  h = conv2d(ctx, activation(ctx, h, config.actFn, prefix), `${prefix}.conv2`, { in: outChannels, out: outChannels, kernel: 3 });
  if (inChannels !== outChannels) input = conv2d(ctx, input, `${prefix}.conv_shortcut`, { in: inChannels, out: outChannels, kernel: 1 });
  const sum = graph.op('Add', [input, h], {}, prefix);
  return divideBy(ctx, sum, options.outputScaleFactor ?? 1, prefix);
}

/**
 * diffusers Attention as UNet2DModel's blocks build it (residual connection, group norm unless `groups` is
 * undefined, heads = channels / attention_head_dim, scale = head_dim^-½), computed channel-first:
 * [B, C, H, W] → [B, C, N] → per head softmax(QᵀK · scale) → output projection → + residual.
 */
export function attentionBlock(
  ctx: BlockContext,
  x: string,
  prefix: string,
  channels: number,
  options: { readonly groups: number | undefined; readonly outputScaleFactor?: number },
): string {
  const { graph, config } = ctx;
  const headDim = config.attentionHeadDim ?? channels;
  const heads = Math.floor(channels / headDim);
  const inner = heads * headDim;
  const normed = options.groups === undefined ? x : groupNorm(ctx, x, `${prefix}.group_norm`, channels, options.groups, config.normEps);
  const flat = graph.op('Reshape', [normed, graph.constant('INT64', [3], [0, channels, -1])], {}, prefix);
  const q = linearChannelFirst(ctx, flat, `${prefix}.to_q`, channels, inner);
  const k = linearChannelFirst(ctx, flat, `${prefix}.to_k`, channels, inner);
  const v = linearChannelFirst(ctx, flat, `${prefix}.to_v`, channels, inner);
  const perHead = graph.constant('INT64', [4], [0, heads, headDim, -1]);
  const toRows = (value: string) => graph.op('Transpose', [graph.op('Reshape', [value, perHead], {}, prefix)], { perm: [0, 1, 3, 2] }, prefix);
  const scores = graph.op('MatMul', [toRows(q), graph.op('Reshape', [k, perHead], {}, prefix)], {}, prefix);
  const scaled = graph.op('Mul', [scores, graph.constant('FLOAT', [], [Math.fround(1 / Math.sqrt(headDim))])], {}, prefix);
  const probabilities = graph.op('Softmax', [scaled], { axis: -1 }, prefix);
  const attended = graph.op('MatMul', [probabilities, toRows(v)], {}, prefix);
  const merged = graph.op(
    'Reshape',
    [graph.op('Transpose', [attended], { perm: [0, 1, 3, 2] }, prefix), graph.constant('INT64', [3], [0, inner, -1])],
    {},
    prefix,
  );
  const projected = linearChannelFirst(ctx, merged, `${prefix}.to_out.0`, inner, channels);
  const restored = graph.op('Reshape', [projected, graph.op('Shape', [x], {}, prefix)], {}, prefix);
  return divideBy(ctx, graph.op('Add', [restored, x], {}, prefix), options.outputScaleFactor ?? 1, prefix);
}

/** A down block: its output and the skip connections it leaves for the up path. */
export function downBlock(
  ctx: BlockContext,
  x: string,
  index: number,
  type: DownBlockType,
  inChannels: number,
  outChannels: number,
  addDownsample: boolean,
): { readonly output: string; readonly skips: readonly string[] } {
  const { config } = ctx;
  const prefix = `down_blocks.${index}`;
  const skips: string[] = [];
  let h = x;
  for (let i = 0; i < config.layersPerBlock; i++) {
    h = resnetBlock(ctx, h, `${prefix}.resnets.${i}`, i === 0 ? inChannels : outChannels, outChannels);
    if (type === 'AttnDownBlock2D') h = attentionBlock(ctx, h, `${prefix}.attentions.${i}`, outChannels, { groups: config.normNumGroups });
    skips.push(h);
  }
  if (addDownsample) {
    const resample = type === 'ResnetDownsampleBlock2D' || (type === 'AttnDownBlock2D' && config.downsampleType === 'resnet') ? 'resnet' : 'conv';
    const at = `${prefix}.downsamplers.0`;
    if (resample === 'resnet') {
      h = resnetBlock(ctx, h, at, outChannels, outChannels, { resample: 'down' });
    } else {
      // Downsample2D: with padding 0, diffusers pads right and bottom by one before the stride-2 convolution.
      const p = config.downsamplePadding;
      const pads: [number, number, number, number] = p === 0 ? [0, 0, 1, 1] : [p, p, p, p];
      h = conv2d(ctx, h, `${at}.conv`, { in: outChannels, out: outChannels, kernel: 3 }, { stride: 2, pads });
    }
    skips.push(h);
  }
  return { output: h, skips };
}

/** An up block: consumes layers_per_block + 1 skip connections (last in, first out). */
export function upBlock(
  ctx: BlockContext,
  x: string,
  index: number,
  type: UpBlockType,
  channels: { readonly in: number; readonly prevOutput: number; readonly out: number },
  skips: string[],
  skipChannels: number[],
  addUpsample: boolean,
): string {
  const { graph, config } = ctx;
  const prefix = `up_blocks.${index}`;
  let h = x;
  let hChannels = channels.prevOutput;
  for (let i = 0; i <= config.layersPerBlock; i++) {
    const skip = skips.pop();
    const skipWidth = skipChannels.pop();
    if (skip === undefined || skipWidth === undefined) throw new Error('internal error: the up path ran out of skip connections');
    h = graph.op('Concat', [h, skip], { axis: 1 }, prefix);
    h = resnetBlock(ctx, h, `${prefix}.resnets.${i}`, hChannels + skipWidth, channels.out);
    hChannels = channels.out;
    if (type === 'AttnUpBlock2D') h = attentionBlock(ctx, h, `${prefix}.attentions.${i}`, channels.out, { groups: config.normNumGroups });
  }
  if (addUpsample) {
    const resample = type === 'ResnetUpsampleBlock2D' || (type === 'AttnUpBlock2D' && config.upsampleType === 'resnet') ? 'resnet' : 'conv';
    const at = `${prefix}.upsamplers.0`;
    if (resample === 'resnet') {
      h = resnetBlock(ctx, h, at, channels.out, channels.out, { resample: 'up' });
    } else {
      h = conv2d(ctx, upsampleNearest2x(ctx, h, at), `${at}.conv`, { in: channels.out, out: channels.out, kernel: 3 });
    }
  }
  return h;
}

/** UNetMidBlock2D: resnet, [attention], resnet, all scaled by mid_block_scale_factor. */
export function midBlock(ctx: BlockContext, x: string, channels: number): string {
  const { config } = ctx;
  const outputScaleFactor = config.midBlockScaleFactor;
  let h = resnetBlock(ctx, x, 'mid_block.resnets.0', channels, channels, { outputScaleFactor });
  if (config.addAttention) {
    // The mid attention's group norm: attn_norm_num_groups, else norm_num_groups — none with scale_shift.
    const groups = config.attnNormNumGroups ?? (config.resnetTimeScaleShift === 'default' ? config.normNumGroups : undefined);
    h = attentionBlock(ctx, h, 'mid_block.attentions.0', channels, { groups, outputScaleFactor });
  }
  return resnetBlock(ctx, h, 'mid_block.resnets.1', channels, channels, { outputScaleFactor });
}

function divideBy({ graph }: LayerContext, x: string, factor: number, scope: string): string {
  return factor === 1 ? x : graph.op('Div', [x, graph.constant('FLOAT', [], [factor])], {}, scope);
}
