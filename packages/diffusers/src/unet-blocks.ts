import { spatialSelfAttention } from './attention.js';
import type { LayerContext } from './nn-layers.js';
import { downsampleConv, resnetBlock, upsampleConv, type ResnetSettings } from './resnet-block.js';
import { transformer2D, type TransformerSpec } from './transformer-2d.js';

/**
 * diffusers' get_down_block / get_up_block / get_mid_block: one table per direction maps a config's block-type
 * string to the function that builds it, so the model builders never test type strings and a new block type is one
 * entry. Every model family (UNet2DModel, UNet2DConditionModel, the VAE's encoder and decoder) fills the same
 * argument record, as diffusers passes the same keyword arguments, and each block reads what it needs. Which types a
 * family accepts is its config parser's business.
 */

export const DOWN_BLOCK_TYPES = ['DownBlock2D', 'AttnDownBlock2D', 'ResnetDownsampleBlock2D', 'CrossAttnDownBlock2D', 'DownEncoderBlock2D'] as const;
export const UP_BLOCK_TYPES = ['UpBlock2D', 'AttnUpBlock2D', 'ResnetUpsampleBlock2D', 'CrossAttnUpBlock2D', 'UpDecoderBlock2D'] as const;
export const MID_BLOCK_TYPES = ['UNetMidBlock2D', 'UNetMidBlock2DCrossAttn'] as const;

export type DownBlockType = (typeof DOWN_BLOCK_TYPES)[number];
export type UpBlockType = (typeof UP_BLOCK_TYPES)[number];
export type MidBlockType = (typeof MID_BLOCK_TYPES)[number];

/** Where a resampling block gets its resampler from: a strided/upsampling conv, or a resnet with up/down. */
export type ResampleType = 'conv' | 'resnet';

/** The arguments every block of one level gets (diffusers' get_*_block keyword arguments, resolved per level). */
interface BlockArgs {
  readonly index: number;
  readonly layers: number;
  readonly resnet: ResnetSettings;
  /** Attn*Block2D: the head size of the self-attention (heads = channels / headDim). */
  readonly attentionHeadDim: number;
  /** CrossAttn*Block2D: the Transformer2DModel of each layer; `layersPerResnet[i]` its transformer blocks. */
  readonly transformer?: Omit<TransformerSpec, 'layers'> & { readonly layersPerResnet: readonly number[] };
  /** The resnets' output_scale_factor of the Resnet*sample blocks (resnet_out_scale_factor). */
  readonly resnetOutScaleFactor: number;
}

export interface DownBlockArgs extends BlockArgs {
  readonly channels: { readonly in: number; readonly out: number };
  readonly addDownsample: boolean;
  readonly downsamplePadding: number;
  /** AttnDownBlock2D's downsample_type. */
  readonly downsampleType: ResampleType;
}

export interface UpBlockArgs extends BlockArgs {
  /** in: the width of the skips of the level below; prevOutput: the width coming up; out: this level's width. */
  readonly channels: { readonly in: number; readonly prevOutput: number; readonly out: number };
  readonly addUpsample: boolean;
  readonly upsampleType: ResampleType;
  /** The skip connections left by the down path (popped, last in first out) and their widths. */
  readonly skips: string[];
  readonly skipChannels: number[];
  /** Called before each resnet concatenates a skip: its index in the down path's list, the hidden state and its width (DeepCacheTap). */
  readonly beforeSkip?: (skipIndex: number, hidden: string, channels: number) => void;
}

export interface MidBlockArgs {
  readonly channels: number;
  /** (attention, resnet) pairs after the first resnet: 1, or 0 for UNet2DConditionModel's UNetMidBlock2D. */
  readonly layers: number;
  readonly resnet: ResnetSettings;
  readonly outputScaleFactor: number;
  /** UNetMidBlock2D: whether it has its attention, its head size and group norm groups (undefined: no norm). */
  readonly attention: { readonly enabled: boolean; readonly headDim: number; readonly groups: number | undefined };
  readonly transformer?: TransformerSpec;
}

export interface DownBlockOutput {
  readonly output: string;
  /** What this block adds to the skip connections, in order, with their widths. */
  readonly skips: readonly string[];
}

type DownBlockBuilder = (ctx: LayerContext, x: string, args: DownBlockArgs) => DownBlockOutput;
type UpBlockBuilder = (ctx: LayerContext, x: string, args: UpBlockArgs) => string;
type MidBlockBuilder = (ctx: LayerContext, x: string, args: MidBlockArgs) => string;

export const DOWN_BLOCKS: Readonly<Record<DownBlockType, DownBlockBuilder>> = {
  DownBlock2D: (ctx, x, args) => downPath(ctx, x, args, { layer: undefined, resample: 'conv' }),
  DownEncoderBlock2D: (ctx, x, args) => downPath(ctx, x, args, { layer: undefined, resample: 'conv', collectSkips: false }),
  ResnetDownsampleBlock2D: (ctx, x, args) => downPath(ctx, x, args, { layer: undefined, resample: 'resnet', outputScaleFactor: args.resnetOutScaleFactor }),
  AttnDownBlock2D: (ctx, x, args) => downPath(ctx, x, args, { layer: selfAttentionLayer(args), resample: args.downsampleType }),
  CrossAttnDownBlock2D: (ctx, x, args) => downPath(ctx, x, args, { layer: crossAttentionLayer(args), resample: 'conv' }),
};

export const UP_BLOCKS: Readonly<Record<UpBlockType, UpBlockBuilder>> = {
  UpBlock2D: (ctx, x, args) => upPath(ctx, x, args, { layer: undefined, resample: 'conv' }),
  UpDecoderBlock2D: (ctx, x, args) => upPath(ctx, x, args, { layer: undefined, resample: 'conv', consumeSkips: false }),
  ResnetUpsampleBlock2D: (ctx, x, args) => upPath(ctx, x, args, { layer: undefined, resample: 'resnet', outputScaleFactor: args.resnetOutScaleFactor }),
  AttnUpBlock2D: (ctx, x, args) => upPath(ctx, x, args, { layer: selfAttentionLayer(args), resample: args.upsampleType }),
  CrossAttnUpBlock2D: (ctx, x, args) => upPath(ctx, x, args, { layer: crossAttentionLayer(args), resample: 'conv' }),
};

export const MID_BLOCKS: Readonly<Record<MidBlockType, MidBlockBuilder>> = {
  /** resnet, then `layers` × ([attention], resnet), all scaled by output_scale_factor. */
  UNetMidBlock2D: (ctx, x, args) => {
    const { channels, resnet, outputScaleFactor } = args;
    const { enabled, headDim, groups } = args.attention;
    return midPath(ctx, x, args, (h, prefix) =>
      enabled ? spatialSelfAttention(ctx, h, prefix, { channels, heads: Math.floor(channels / headDim), headDim, groups, eps: resnet.eps, outputScaleFactor }) : h,
    );
  },
  /** resnet, then `layers` × (Transformer2DModel, resnet). */
  UNetMidBlock2DCrossAttn: (ctx, x, args) => {
    const transformer = args.transformer;
    if (!transformer) throw new Error('internal error: UNetMidBlock2DCrossAttn built without its transformer settings');
    return midPath(ctx, x, args, (h, prefix) => transformer2D(ctx, h, prefix, args.channels, transformer));
  },
};

function midPath(ctx: LayerContext, x: string, args: MidBlockArgs, attention: (h: string, prefix: string) => string): string {
  const { channels, resnet, outputScaleFactor } = args;
  const io = { in: channels, out: channels };
  let h = resnetBlock(ctx, x, 'mid_block.resnets.0', io, resnet, { outputScaleFactor });
  for (let i = 0; i < args.layers; i++) {
    h = resnetBlock(ctx, attention(h, `mid_block.attentions.${i}`), `mid_block.resnets.${i + 1}`, io, resnet, { outputScaleFactor });
  }
  return h;
}

/** What follows each resnet of a block: nothing, a self-attention or a Transformer2DModel (layer i of the block). */
type LayerAfterResnet = ((ctx: LayerContext, h: string, prefix: string, channels: number, i: number) => string) | undefined;

function selfAttentionLayer(args: BlockArgs): LayerAfterResnet {
  return (ctx, h, prefix, channels) =>
    spatialSelfAttention(ctx, h, prefix, {
      channels,
      heads: Math.floor(channels / args.attentionHeadDim),
      headDim: args.attentionHeadDim,
      groups: args.resnet.groups,
      eps: args.resnet.eps,
    });
}

function crossAttentionLayer(args: BlockArgs): LayerAfterResnet {
  const transformer = args.transformer;
  if (!transformer) throw new Error(`internal error: cross-attention block ${args.index} built without its transformer settings`);
  return (ctx, h, prefix, channels, i) => transformer2D(ctx, h, prefix, channels, { ...transformer, layers: transformer.layersPerResnet[i]! });
}

interface PathOptions {
  readonly layer: LayerAfterResnet;
  readonly resample: ResampleType;
  /** The output_scale_factor of the block's resnets (and of the resnet resampler). */
  readonly outputScaleFactor?: number;
}

/** A down block: layers × (resnet [+ layer]), then the downsampler; every output is a skip (not in the VAE's encoder). */
function downPath(ctx: LayerContext, x: string, args: DownBlockArgs, options: PathOptions & { readonly collectSkips?: boolean }): DownBlockOutput {
  const prefix = `down_blocks.${args.index}`;
  const { out } = args.channels;
  const scale = options.outputScaleFactor === undefined ? {} : { outputScaleFactor: options.outputScaleFactor };
  const skips: string[] = [];
  let h = x;
  for (let i = 0; i < args.layers; i++) {
    h = resnetBlock(ctx, h, `${prefix}.resnets.${i}`, { in: i === 0 ? args.channels.in : out, out }, args.resnet, scale);
    if (options.layer) h = options.layer(ctx, h, `${prefix}.attentions.${i}`, out, i);
    skips.push(h);
  }
  if (args.addDownsample) {
    const at = `${prefix}.downsamplers.0`;
    h = options.resample === 'resnet' ? resnetBlock(ctx, h, at, { in: out, out }, args.resnet, { ...scale, resample: 'down' }) : downsampleConv(ctx, h, at, out, args.downsamplePadding);
    skips.push(h);
  }
  return { output: h, skips: options.collectSkips === false ? [] : skips };
}

/** An up block: layers × ([concat skip] → resnet [+ layer]), then the upsampler. */
function upPath(ctx: LayerContext, x: string, args: UpBlockArgs, options: PathOptions & { readonly consumeSkips?: boolean }): string {
  const { graph } = ctx;
  const prefix = `up_blocks.${args.index}`;
  const { out } = args.channels;
  const scale = options.outputScaleFactor === undefined ? {} : { outputScaleFactor: options.outputScaleFactor };
  let h = x;
  let width = args.channels.prevOutput;
  for (let i = 0; i < args.layers; i++) {
    let inWidth = width;
    if (options.consumeSkips !== false) {
      const skip = args.skips.pop();
      const skipWidth = args.skipChannels.pop();
      if (skip === undefined || skipWidth === undefined) throw new Error('internal error: the up path ran out of skip connections');
      args.beforeSkip?.(args.skips.length, h, width);
      h = graph.op('Concat', [h, skip], { axis: 1 }, prefix);
      inWidth += skipWidth;
    }
    h = resnetBlock(ctx, h, `${prefix}.resnets.${i}`, { in: inWidth, out }, args.resnet, scale);
    width = out;
    if (options.layer) h = options.layer(ctx, h, `${prefix}.attentions.${i}`, out, i);
  }
  if (args.addUpsample) {
    const at = `${prefix}.upsamplers.0`;
    h = options.resample === 'resnet' ? resnetBlock(ctx, h, at, { in: out, out }, args.resnet, { ...scale, resample: 'up' }) : upsampleConv(ctx, h, at, out);
  }
  return h;
}
