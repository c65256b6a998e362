/**
 * diffusers' UNet2DModel config.json, validated once: every key known, every value one that the graph
 * builder supports, each refusal naming the key, the value and what is allowed. Defaults are diffusers'
 * UNet2DModel.__init__ defaults, so a config.json that omits a key means what it means to diffusers.
 */

import { ConfigReader } from './config-reader.js';
import type { DownBlockType, ResampleType, UpBlockType } from './unet-blocks.js';

/** The blocks UNet2DModel is built from (those without cross-attention). */
const UNET2D_DOWN_BLOCK_TYPES = ['DownBlock2D', 'AttnDownBlock2D', 'ResnetDownsampleBlock2D'] as const satisfies readonly DownBlockType[];
const UNET2D_UP_BLOCK_TYPES = ['UpBlock2D', 'AttnUpBlock2D', 'ResnetUpsampleBlock2D'] as const satisfies readonly UpBlockType[];
export const ACTIVATIONS = ['silu', 'swish', 'mish'] as const;
export const TIME_EMBEDDING_TYPES = ['positional', 'fourier', 'learned'] as const;
export const CLASS_EMBED_TYPES = ['timestep', 'identity'] as const;
export const TIME_SCALE_SHIFTS = ['default', 'scale_shift'] as const;
const RESAMPLE_TYPES = ['conv', 'resnet'] as const satisfies readonly ResampleType[];

export type Activation = (typeof ACTIVATIONS)[number];
export type TimeEmbeddingType = (typeof TIME_EMBEDDING_TYPES)[number];
export type ClassEmbedType = (typeof CLASS_EMBED_TYPES)[number];
export type TimeScaleShift = (typeof TIME_SCALE_SHIFTS)[number];

export interface UNet2DConfig {
  /** [height, width], or undefined when the config has none. */
  readonly sampleSize: readonly [number, number] | undefined;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly centerInputSample: boolean;
  readonly timeEmbeddingType: TimeEmbeddingType;
  readonly timeEmbeddingDim: number | undefined;
  readonly freqShift: number;
  readonly flipSinToCos: boolean;
  readonly downBlockTypes: readonly (typeof UNET2D_DOWN_BLOCK_TYPES)[number][];
  readonly midBlockType: 'UNetMidBlock2D' | undefined;
  readonly upBlockTypes: readonly (typeof UNET2D_UP_BLOCK_TYPES)[number][];
  readonly blockOutChannels: readonly number[];
  readonly layersPerBlock: number;
  readonly midBlockScaleFactor: number;
  readonly downsamplePadding: number;
  readonly downsampleType: ResampleType;
  readonly upsampleType: ResampleType;
  readonly actFn: Activation;
  readonly attentionHeadDim: number | undefined;
  readonly normNumGroups: number;
  readonly attnNormNumGroups: number | undefined;
  readonly normEps: number;
  readonly resnetTimeScaleShift: TimeScaleShift;
  readonly addAttention: boolean;
  readonly classEmbedType: ClassEmbedType | undefined;
  readonly numClassEmbeds: number | undefined;
  readonly numTrainTimesteps: number | undefined;
}

/** A config.json that the builder cannot use; `key` is the offending key when there is one. */
export class UNetConfigError extends Error {
  override readonly name = 'UNetConfigError';
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly key?: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

/** Keys diffusers reads for UNet2DModel, with its defaults (as the JSON would spell them). */
const DEFAULTS = {
  sample_size: null,
  in_channels: 3,
  out_channels: 3,
  center_input_sample: false,
  time_embedding_type: 'positional',
  time_embedding_dim: null,
  freq_shift: 0,
  flip_sin_to_cos: true,
  down_block_types: ['DownBlock2D', 'AttnDownBlock2D', 'AttnDownBlock2D', 'AttnDownBlock2D'],
  mid_block_type: 'UNetMidBlock2D',
  up_block_types: ['AttnUpBlock2D', 'AttnUpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
  block_out_channels: [224, 448, 672, 896],
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  downsample_padding: 1,
  downsample_type: 'conv',
  upsample_type: 'conv',
  dropout: 0,
  act_fn: 'silu',
  attention_head_dim: 8,
  norm_num_groups: 32,
  attn_norm_num_groups: null,
  norm_eps: 1e-5,
  resnet_time_scale_shift: 'default',
  add_attention: true,
  class_embed_type: null,
  num_class_embeds: null,
  num_train_timesteps: null,
} as const satisfies Record<string, unknown>;

const KNOWN_KEYS = Object.keys(DEFAULTS);

/** Parses a UNet2DModel config.json object; `source` (the file) prefixes every error. */
export function parseUNet2DConfig(input: unknown, source = 'config.json'): UNet2DConfig {
  const fail = (reason: string, key?: string): never => {
    throw new UNetConfigError(source, reason, key);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail(`must be a JSON object, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`);
  }
  const raw = input as Record<string, unknown>;
  const className = raw['_class_name'];
  if (className !== undefined && className !== 'UNet2DModel') {
    fail(`_class_name is ${JSON.stringify(className)}; denoise builds UNet2DModel only`, '_class_name');
  }
  for (const key of Object.keys(raw)) {
    if (!key.startsWith('_') && !KNOWN_KEYS.includes(key)) {
      fail(`unknown key '${key}'; UNet2DModel takes: ${KNOWN_KEYS.join(', ')}`, key);
    }
  }
  const value = (key: keyof typeof DEFAULTS): unknown => (key in raw ? raw[key] : DEFAULTS[key]);
  const read = new UNetConfigReader(value, fail);

  const blockOutChannels = read.intList('block_out_channels', 1);
  const levels = blockOutChannels.length;
  const downBlockTypes = read.choiceList('down_block_types', UNET2D_DOWN_BLOCK_TYPES, levels);
  const upBlockTypes = read.choiceList('up_block_types', UNET2D_UP_BLOCK_TYPES, levels);
  const normNumGroups = read.int('norm_num_groups', 1);
  for (const channels of blockOutChannels) {
    if (channels % normNumGroups !== 0) {
      fail(`block_out_channels ${JSON.stringify(blockOutChannels)}: ${channels} is not divisible by norm_num_groups ${normNumGroups}`, 'block_out_channels');
    }
  }
  const timeEmbeddingType = read.choice('time_embedding_type', TIME_EMBEDDING_TYPES);
  const numTrainTimesteps = read.optionalInt('num_train_timesteps', 1);
  if (timeEmbeddingType === 'learned' && numTrainTimesteps === undefined) {
    fail(`time_embedding_type 'learned' needs num_train_timesteps (an integer ≥ 1)`, 'num_train_timesteps');
  }
  const midBlockType = value('mid_block_type');
  if (midBlockType !== null && midBlockType !== 'UNetMidBlock2D') {
    fail(`mid_block_type ${JSON.stringify(midBlockType)} is not supported; allowed: "UNetMidBlock2D", null`, 'mid_block_type');
  }
  const dropout = value('dropout');
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) fail(`dropout ${JSON.stringify(dropout)} must be a number in [0, 1) (inert at inference)`, 'dropout');

  return {
    sampleSize: read.sampleSize(),
    inChannels: read.int('in_channels', 1),
    outChannels: read.int('out_channels', 1),
    centerInputSample: read.boolean('center_input_sample'),
    timeEmbeddingType,
    timeEmbeddingDim: read.optionalInt('time_embedding_dim', 1),
    freqShift: read.number('freq_shift'),
    flipSinToCos: read.boolean('flip_sin_to_cos'),
    downBlockTypes,
    midBlockType: midBlockType === null ? undefined : 'UNetMidBlock2D',
    upBlockTypes,
    blockOutChannels,
    layersPerBlock: read.int('layers_per_block', 1),
    midBlockScaleFactor: read.positiveNumber('mid_block_scale_factor'),
    downsamplePadding: read.int('downsample_padding', 0),
    downsampleType: read.choice('downsample_type', RESAMPLE_TYPES),
    upsampleType: read.choice('upsample_type', RESAMPLE_TYPES),
    actFn: read.choice('act_fn', ACTIVATIONS),
    attentionHeadDim: read.optionalInt('attention_head_dim', 1),
    normNumGroups,
    attnNormNumGroups: read.optionalInt('attn_norm_num_groups', 1),
    normEps: read.positiveNumber('norm_eps'),
    resnetTimeScaleShift: read.choice('resnet_time_scale_shift', TIME_SCALE_SHIFTS),
    addAttention: read.boolean('add_attention'),
    classEmbedType: read.optionalChoice('class_embed_type', CLASS_EMBED_TYPES),
    numClassEmbeds: read.optionalInt('num_class_embeds', 1),
    numTrainTimesteps,
  };
}

/** ConfigReader with UNet2DModel's one key of its own shape. */
class UNetConfigReader extends ConfigReader<keyof typeof DEFAULTS> {
  sampleSize(): readonly [number, number] | undefined {
    const v = this.value('sample_size');
    if (v === null) return undefined;
    if (Number.isSafeInteger(v) && (v as number) >= 1) return [v as number, v as number];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 1)) return [v[0] as number, v[1] as number];
    return this.fail(`sample_size ${JSON.stringify(v)} must be an integer ≥ 1, [height, width] or null`, 'sample_size');
  }
}
