import { CheckpointWeights } from './checkpoint-weights.js';
import { activation, conv2d, groupNorm, type LayerContext } from './nn-layers.js';
import { GraphBuilder, type GraphOptions } from './onnx-graph.js';
import type { ResnetSettings } from './resnet-block.js';
import { DOWN_BLOCKS, MID_BLOCKS, UP_BLOCKS } from './unet-blocks.js';
import type { AutoencoderKLConfig } from './vae-config.js';
import { NO_WEIGHTS, type WeightsFile } from './weights-file.js';

/** Which half of AutoencoderKL a graph computes. */
export type VaePart = 'decoder' | 'encoder';

/** What the decoder graph takes: the pipeline's latents (scaled as the UNet sees them), or the decoder's own z. */
export type VaeDecoderInput = 'latents' | 'z';

interface VaeSignatureCommon {
  readonly latentChannels: number;
  /** Image pixels per latent pixel along each axis: 2^(levels − 1), diffusers' vae_scale_factor. */
  readonly scaleFactor: number;
  /** The input's height and width must be multiples of this (the encoder's image: scaleFactor; the decoder: 1). */
  readonly sizeMultiple: number;
}

/** The graph's inputs and outputs, as the runtime feeds and reads them. Batch, height and width are symbolic. */
export type VaeGraphSignature =
  | (VaeSignatureCommon & {
      readonly part: 'decoder';
      /** float32 [batch, latentChannels, h, w]. */
      readonly input: { readonly name: VaeDecoderInput; readonly channels: number };
      /** float32 [batch, out_channels, scaleFactor·h, scaleFactor·w], unclamped (images in about [−1, 1]). */
      readonly output: { readonly name: 'sample'; readonly channels: number };
    })
  | (VaeSignatureCommon & {
      readonly part: 'encoder';
      /** float32 [batch, in_channels, H, W], pixels in [−1, 1]. */
      readonly input: { readonly name: 'image'; readonly channels: number };
      /** float32 [batch, latentChannels, H/scaleFactor, W/scaleFactor]: the latent distribution's mean and std. */
      readonly outputs: { readonly mean: { readonly name: 'mean'; readonly channels: number }; readonly std: { readonly name: 'std'; readonly channels: number } };
    });

export interface VaeGraph {
  readonly graph: GraphBuilder;
  readonly signature: VaeGraphSignature;
}

/** The Encoder and Decoder build their blocks with resnet_eps 1e-6 (not a config key). */
const VAE_EPS = 1e-6;

/** The prefixes of the state_dict each part builds from. */
const PART_MODULES: Readonly<Record<VaePart, readonly string[]>> = {
  decoder: ['post_quant_conv.', 'decoder.'],
  encoder: ['encoder.', 'quant_conv.'],
};

/**
 * AutoencoderKL.decode (diffusers/models/autoencoders/autoencoder_kl.py and vae.py's Decoder) as an ONNX graph:
 * z = latents / scaling_factor (+ shift_factor, as SD3/Flux pipelines decode; SD's shift_factor is null), then
 * post_quant_conv, conv_in, the mid block, the up blocks and norm/SiLU/conv_out. Only decoder weights are built;
 * the checkpoint's other weights must still be the encoder's, name for name and shape for shape. Throws
 * CheckpointMismatchError listing every problem.
 */
export function buildVaeDecoderGraph(config: AutoencoderKLConfig, weightsFile: WeightsFile, options: GraphOptions & { readonly input?: VaeDecoderInput } = {}): VaeGraph {
  return buildPart(config, weightsFile, 'decoder', options, options.input ?? 'latents');
}

/**
 * AutoencoderKL.encode as an ONNX graph: the Encoder (conv_in, down blocks, mid block, norm/SiLU/conv_out), then
 * quant_conv, then DiagonalGaussianDistribution's mean and std = exp(0.5 · clamp(logvar, −30, 20)). Weights as for
 * the decoder, the other way round.
 */
export function buildVaeEncoderGraph(config: AutoencoderKLConfig, weightsFile: WeightsFile, options: GraphOptions = {}): VaeGraph {
  return buildPart(config, weightsFile, 'encoder', options);
}

/** The state_dict a checkpoint of this config holds: every weight's name and shape (diffusers' current names). */
export function autoencoderKLWeightShapes(config: AutoencoderKLConfig): ReadonlyMap<string, readonly number[]> {
  return new Map([...partWeightShapes(config, 'encoder'), ...partWeightShapes(config, 'decoder')]);
}

function buildPart(config: AutoencoderKLConfig, weightsFile: WeightsFile, part: VaePart, options: GraphOptions, decoderInput?: VaeDecoderInput): VaeGraph {
  const { graph, signature, weights } = assemble(config, weightsFile, part, options, decoderInput);
  weights.assertComplete(partWeightShapes(config, part === 'decoder' ? 'encoder' : 'decoder'));
  return { graph, signature };
}

function partWeightShapes(config: AutoencoderKLConfig, part: VaePart): ReadonlyMap<string, readonly number[]> {
  const { requested } = assemble(config, NO_WEIGHTS, part, {}).weights;
  if (![...requested.keys()].every((name) => PART_MODULES[part].some((prefix) => name.startsWith(prefix)))) {
    throw new Error(`internal error: the VAE ${part} took a weight outside ${PART_MODULES[part].join(', ')}`);
  }
  return requested;
}

function assemble(
  config: AutoencoderKLConfig,
  weightsFile: WeightsFile,
  part: VaePart,
  options: GraphOptions,
  decoderInput: VaeDecoderInput = 'latents',
): VaeGraph & { readonly weights: CheckpointWeights } {
  const graph = new GraphBuilder(options);
  const weights = new CheckpointWeights(weightsFile, graph);
  const levels = config.blockOutChannels.length;
  const common: VaeSignatureCommon = {
    latentChannels: config.latentChannels,
    scaleFactor: 2 ** (levels - 1),
    sizeMultiple: part === 'encoder' ? 2 ** (levels - 1) : 1,
  };
  const signature = part === 'decoder' ? decodeGraph({ graph, weights }, config, decoderInput, common) : encodeGraph({ graph, weights }, config, common);
  return { graph, weights, signature };
}

/** AutoencoderKL.decode: [unscale], post_quant_conv, Decoder; the root context takes weights by their full names. */
function decodeGraph(root: LayerContext & { readonly weights: CheckpointWeights }, config: AutoencoderKLConfig, input: VaeDecoderInput, common: VaeSignatureCommon): VaeGraphSignature {
  const { graph } = root;
  const latent = config.latentChannels;
  let z = graph.input({ name: input, dtype: 'FLOAT', shape: ['batch', latent, 'height', 'width'] });
  if (input === 'latents') {
    // The pipelines' decode: latents / scaling_factor, then + shift_factor (SD3, Flux), in that order.
    z = graph.op('Div', [z, graph.constant('FLOAT', [], [config.scalingFactor])], {}, 'unscale');
    if (config.shiftFactor !== undefined) z = graph.op('Add', [z, graph.constant('FLOAT', [], [config.shiftFactor])], {}, 'unshift');
  }
  if (config.usePostQuantConv) z = conv2d(root, z, 'post_quant_conv', { in: latent, out: latent, kernel: 1 });
  const sample = decoder({ graph, weights: root.weights.module('decoder.') }, z, config);
  graph.output(sample, { name: 'sample', dtype: 'FLOAT', shape: ['batch', config.outChannels, 'image_height', 'image_width'] });
  return { ...common, part: 'decoder', input: { name: input, channels: latent }, output: { name: 'sample', channels: config.outChannels } };
}

/** AutoencoderKL.encode: Encoder, quant_conv, then DiagonalGaussianDistribution's mean and std. */
function encodeGraph(root: LayerContext & { readonly weights: CheckpointWeights }, config: AutoencoderKLConfig, common: VaeSignatureCommon): VaeGraphSignature {
  const { graph } = root;
  const latent = config.latentChannels;
  const image = graph.input({ name: 'image', dtype: 'FLOAT', shape: ['batch', config.inChannels, 'height', 'width'] });
  let moments = encoder({ graph, weights: root.weights.module('encoder.') }, image, config);
  if (config.useQuantConv) moments = conv2d(root, moments, 'quant_conv', { in: 2 * latent, out: 2 * latent, kernel: 1 });
  // mean and logvar are the two halves of the channels; logvar is clamped to [−30, 20] before std = exp(logvar / 2).
  const [mean, logvar] = graph.opMulti('Split', [moments, graph.constant('INT64', [2], [latent, latent])], 2, { axis: 1 }, 'latent_dist');
  const clamped = graph.op('Clip', [logvar!, graph.constant('FLOAT', [], [-30]), graph.constant('FLOAT', [], [20])], {}, 'latent_dist');
  const std = graph.op('Exp', [graph.op('Mul', [clamped, graph.constant('FLOAT', [], [0.5])], {}, 'latent_dist')], {}, 'latent_dist');
  const latentShape = ['batch', latent, 'latent_height', 'latent_width'];
  graph.output(mean!, { name: 'mean', dtype: 'FLOAT', shape: latentShape });
  graph.output(std, { name: 'std', dtype: 'FLOAT', shape: latentShape });
  return {
    ...common,
    part: 'encoder',
    input: { name: 'image', channels: config.inChannels },
    outputs: { mean: { name: 'mean', channels: latent }, std: { name: 'std', channels: latent } },
  };
}

/** The resnets of the Encoder and Decoder: no time embedding, eps 1e-6, the config's groups and act_fn. */
function resnetSettings(config: AutoencoderKLConfig): ResnetSettings {
  return { groups: config.normNumGroups, eps: VAE_EPS, act: config.actFn, timeScaleShift: 'default' };
}

/** UNetMidBlock2D as the VAE builds it: one head as wide as the block, its group norm with the resnets' groups. */
function midBlock(ctx: LayerContext, h: string, config: AutoencoderKLConfig): string {
  const channels = config.blockOutChannels[config.blockOutChannels.length - 1]!;
  return MID_BLOCKS.UNetMidBlock2D(ctx, h, {
    channels,
    layers: 1,
    resnet: resnetSettings(config),
    outputScaleFactor: 1,
    attention: { enabled: config.midBlockAddAttention, headDim: channels, groups: config.normNumGroups },
  });
}

/** vae.py's Encoder: conv_in, down blocks (downsampling padded right/bottom), mid block, norm/SiLU/conv_out to 2·latent channels. */
function encoder(ctx: LayerContext, image: string, config: AutoencoderKLConfig): string {
  const channels = config.blockOutChannels;
  const levels = channels.length;
  const resnet = resnetSettings(config);
  let h = conv2d(ctx, image, 'conv_in', { in: config.inChannels, out: channels[0]!, kernel: 3 });
  let out = channels[0]!;
  config.downBlockTypes.forEach((type, i) => {
    const inChannels = out;
    out = channels[i]!;
    h = DOWN_BLOCKS[type](ctx, h, {
      index: i,
      layers: config.layersPerBlock,
      resnet,
      attentionHeadDim: out,
      resnetOutScaleFactor: 1,
      channels: { in: inChannels, out },
      addDownsample: i < levels - 1,
      downsamplePadding: 0,
      downsampleType: 'conv',
    }).output;
  });
  h = midBlock(ctx, h, config);
  return normActConvOut(ctx, h, out, 2 * config.latentChannels, config);
}

/** vae.py's Decoder: conv_in, mid block, up blocks (layers_per_block + 1 resnets each), norm/SiLU/conv_out. */
function decoder(ctx: LayerContext, z: string, config: AutoencoderKLConfig): string {
  const reversed = [...config.blockOutChannels].reverse();
  const levels = reversed.length;
  const resnet = resnetSettings(config);
  let h = conv2d(ctx, z, 'conv_in', { in: config.latentChannels, out: reversed[0]!, kernel: 3 });
  h = midBlock(ctx, h, config);
  let out = reversed[0]!;
  config.upBlockTypes.forEach((type, i) => {
    const prevOutput = out;
    out = reversed[i]!;
    h = UP_BLOCKS[type](ctx, h, {
      index: i,
      layers: config.layersPerBlock + 1,
      resnet,
      attentionHeadDim: out,
      resnetOutScaleFactor: 1,
      channels: { in: prevOutput, prevOutput, out },
      addUpsample: i < levels - 1,
      upsampleType: 'conv',
      skips: [],
      skipChannels: [],
    });
  });
  return normActConvOut(ctx, h, out, config.outChannels, config);
}

/** conv_norm_out (GroupNorm, eps 1e-6), conv_act (SiLU whatever act_fn says, as vae.py builds it), conv_out. */
function normActConvOut(ctx: LayerContext, h: string, channels: number, outChannels: number, config: AutoencoderKLConfig): string {
  const normed = groupNorm(ctx, h, 'conv_norm_out', channels, config.normNumGroups, VAE_EPS);
  return conv2d(ctx, activation(ctx, normed, 'silu', 'conv_act'), 'conv_out', { in: channels, out: outChannels, kernel: 3 });
}
