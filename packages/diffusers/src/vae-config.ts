/**
 * diffusers' AutoencoderKL config.json (the Stable Diffusion VAE), validated once: every key known, every value one
 * the graph builders support, each refusal naming the key, the value and what is allowed. Defaults are
 * AutoencoderKL.__init__'s, so SD 1.5's 2022 file, which has none of the later keys, means what it means to diffusers
 * (scaling_factor 0.18215, both quant convs, mid-block attention).
 */

import { openConfig, PLAUSIBLE } from './config-reader.js';
import type { DownBlockType, UpBlockType } from './unet-blocks.js';

/** The blocks AutoencoderKL's Encoder and Decoder are built from here. */
const VAE_DOWN_BLOCK_TYPES = ['DownEncoderBlock2D'] as const satisfies readonly DownBlockType[];
const VAE_UP_BLOCK_TYPES = ['UpDecoderBlock2D'] as const satisfies readonly UpBlockType[];
/** The resnets' act_fn ('swish' is diffusers' other name for SiLU). The Encoder/Decoder's conv_act is SiLU regardless. */
const VAE_ACTIVATIONS = ['silu', 'swish'] as const;

/** More resnets per block than any published VAE has by far; refused before anything is built. */
const MAX_LAYERS_PER_BLOCK = 64;

export interface AutoencoderKLConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly downBlockTypes: readonly (typeof VAE_DOWN_BLOCK_TYPES)[number][];
  readonly upBlockTypes: readonly (typeof VAE_UP_BLOCK_TYPES)[number][];
  readonly blockOutChannels: readonly number[];
  readonly layersPerBlock: number;
  readonly actFn: (typeof VAE_ACTIVATIONS)[number];
  readonly latentChannels: number;
  readonly normNumGroups: number;
  /** [height, width]: only diffusers' tiling reads it; the graphs take any size. */
  readonly sampleSize: readonly [number, number] | undefined;
  /** Pipelines decode z = latents / scaling_factor (+ shift_factor) and encode latents = (z − shift_factor) · scaling_factor. */
  readonly scalingFactor: number;
  readonly shiftFactor: number | undefined;
  /**
   * Whether diffusers pipelines run this VAE in float32 when the rest is float16 (SDXL's VAE overflows in float16).
   * Accepted and kept for callers; moot for these graphs, which compute in float32 whatever the weights' dtype.
   */
  readonly forceUpcast: boolean;
  readonly useQuantConv: boolean;
  readonly usePostQuantConv: boolean;
  readonly midBlockAddAttention: boolean;
}

/** AutoencoderKL.__init__'s keys and defaults, as the JSON would spell them. */
const DEFAULTS = {
  in_channels: 3,
  out_channels: 3,
  down_block_types: ['DownEncoderBlock2D'],
  up_block_types: ['UpDecoderBlock2D'],
  block_out_channels: [64],
  layers_per_block: 1,
  act_fn: 'silu',
  latent_channels: 4,
  norm_num_groups: 32,
  sample_size: 32,
  scaling_factor: 0.18215,
  shift_factor: null,
  latents_mean: null,
  latents_std: null,
  force_upcast: true,
  use_quant_conv: true,
  use_post_quant_conv: true,
  mid_block_add_attention: true,
} as const satisfies Record<string, unknown>;

/** Parses an AutoencoderKL config.json object; `source` (the file) prefixes every error (a ModelConfigError). */
export function parseAutoencoderKLConfig(input: unknown, source = 'config.json'): AutoencoderKLConfig {
  const read = openConfig(input, { source, classNames: ['AutoencoderKL'], defaults: DEFAULTS });

  const blockOutChannels = read.intList('block_out_channels', 1);
  const levels = blockOutChannels.length;
  const normNumGroups = read.int('norm_num_groups', 1);
  read.divisibleBy('block_out_channels', blockOutChannels, normNumGroups, 'norm_num_groups');
  // diffusers' latents_mean/latents_std normalisation (per-channel, pipeline-specific) is not implemented.
  read.fixed('latents_mean', null, 'per-channel latent normalisation is not implemented yet');
  read.fixed('latents_std', null, 'per-channel latent normalisation is not implemented yet');

  return {
    inChannels: read.int('in_channels', 1),
    outChannels: read.int('out_channels', 1),
    downBlockTypes: read.choiceList('down_block_types', VAE_DOWN_BLOCK_TYPES, levels),
    upBlockTypes: read.choiceList('up_block_types', VAE_UP_BLOCK_TYPES, levels),
    blockOutChannels,
    layersPerBlock: read.int('layers_per_block', 1, MAX_LAYERS_PER_BLOCK),
    actFn: read.choice('act_fn', VAE_ACTIVATIONS),
    latentChannels: read.int('latent_channels', 1, PLAUSIBLE.channels),
    normNumGroups,
    sampleSize: read.sampleSize('sample_size'),
    scalingFactor: read.positiveNumber('scaling_factor'),
    shiftFactor: read.optionalNumber('shift_factor'),
    forceUpcast: read.boolean('force_upcast'),
    useQuantConv: read.boolean('use_quant_conv'),
    usePostQuantConv: read.boolean('use_post_quant_conv'),
    midBlockAddAttention: read.boolean('mid_block_add_attention'),
  };
}
