/**
 * diffusers' UNet2DConditionModel config.json (Stable Diffusion 1.x/2.x and their fine-tunes, LCM's guidance
 * embedding, SDXL's added text and time embedding), validated once: every `__init__` key known with its default, the
 * options these use supported, the rest refused naming the key. Per-level options (`attention_head_dim`, `cross_attention_dim`, `layers_per_block`,
 * `transformer_layers_per_block`, `only_cross_attention`) are resolved here to one value per level, as diffusers'
 * `__init__` resolves them.
 */
import { openConfig, PLAUSIBLE, quote, type ConfigReader } from './config-reader.js';
import type { ActivationKind } from './nn-layers.js';
import type { DownBlockType, MidBlockType, UpBlockType } from './unet-blocks.js';

const DOWN_TYPES = ['DownBlock2D', 'CrossAttnDownBlock2D'] as const satisfies readonly DownBlockType[];
const UP_TYPES = ['UpBlock2D', 'CrossAttnUpBlock2D'] as const satisfies readonly UpBlockType[];
const MID_TYPES = ['UNetMidBlock2DCrossAttn', 'UNetMidBlock2D'] as const satisfies readonly MidBlockType[];
const ACTIVATIONS = ['silu', 'swish', 'mish', 'gelu'] as const satisfies readonly ActivationKind[];

/**
 * The time ids SDXL's "text_time" embedding takes per image: original_size (h, w), crops_coords_top_left (top, left),
 * target_size (h, w). diffusers infers the count from the tensor it is given; the config alone cannot tell it, and
 * the SDXL refiner's 5 (aesthetic score in place of target_size) is not supported.
 */
export const TEXT_TIME_IDS = 6;

/**
 * addition_embed_type "text_time" (SDXL): the pooled text embedding and the time ids, each id projected by
 * add_time_proj, go through add_embedding and are added to the time embedding.
 */
export interface TextTimeAdditionEmbedding {
  readonly type: 'text_time';
  /** addition_time_embed_dim: the sinusoidal channels of each time id. */
  readonly timeEmbedDim: number;
  /** projection_class_embeddings_input_dim: add_embedding's input width, text_embeds then the projected time ids. */
  readonly inputDim: number;
  /**
   * The width of text_embeds (text_encoder_2's projection_dim in SDXL): inputDim − TEXT_TIME_IDS · timeEmbedDim. The
   * UNet config does not say it; a pipeline checks it against its text encoder.
   */
  readonly textEmbedsDim: number;
}

export interface UNet2DConditionConfig {
  readonly sampleSize: readonly [number, number] | undefined;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly centerInputSample: boolean;
  readonly flipSinToCos: boolean;
  readonly freqShift: number;
  readonly downBlockTypes: readonly (typeof DOWN_TYPES)[number][];
  readonly midBlockType: (typeof MID_TYPES)[number] | undefined;
  readonly upBlockTypes: readonly (typeof UP_TYPES)[number][];
  readonly blockOutChannels: readonly number[];
  /** Per level (down order). */
  readonly layersPerBlock: readonly number[];
  readonly downsamplePadding: number;
  readonly midBlockScaleFactor: number;
  readonly actFn: (typeof ACTIVATIONS)[number];
  readonly normNumGroups: number;
  readonly normEps: number;
  /** The width of encoder_hidden_states (the text encoder's hidden size), the same at every level. */
  readonly crossAttentionDim: number;
  /** Per level (down order): BasicTransformerBlocks per Transformer2DModel. */
  readonly transformerLayersPerBlock: readonly number[];
  /**
   * Per level (down order): attention heads. diffusers' naming quirk: with `num_attention_heads` null (every
   * published SD config), `attention_head_dim` is the number of heads, not their size (SD 1.5: 8 heads of 40/80/160).
   */
  readonly attentionHeads: readonly number[];
  readonly onlyCrossAttention: readonly boolean[];
  readonly useLinearProjection: boolean;
  /** Attention in float32 regardless: denoise computes in float32, so this changes nothing (kept for provenance). */
  readonly upcastAttention: boolean;
  readonly resnetTimeScaleShift: 'default' | 'scale_shift';
  readonly timeEmbeddingDim: number | undefined;
  /** LCM: the width of the guidance embedding `timestep_cond` projected into the time embedding. */
  readonly timeCondProjDim: number | undefined;
  /** SDXL's added conditioning (addition_embed_type "text_time"); undefined for null. */
  readonly additionEmbed: TextTimeAdditionEmbedding | undefined;
  readonly convInKernel: number;
  readonly convOutKernel: number;
}

/** Every key of UNet2DConditionModel.__init__ (diffusers 58eb52c), with its default as the JSON would spell it. */
const DEFAULTS = {
  sample_size: null,
  in_channels: 4,
  out_channels: 4,
  center_input_sample: false,
  flip_sin_to_cos: true,
  freq_shift: 0,
  down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
  mid_block_type: 'UNetMidBlock2DCrossAttn',
  up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
  only_cross_attention: false,
  block_out_channels: [320, 640, 1280, 1280],
  layers_per_block: 2,
  downsample_padding: 1,
  mid_block_scale_factor: 1,
  dropout: 0,
  act_fn: 'silu',
  norm_num_groups: 32,
  norm_eps: 1e-5,
  cross_attention_dim: 1280,
  transformer_layers_per_block: 1,
  reverse_transformer_layers_per_block: null,
  encoder_hid_dim: null,
  encoder_hid_dim_type: null,
  attention_head_dim: 8,
  num_attention_heads: null,
  dual_cross_attention: false,
  use_linear_projection: false,
  class_embed_type: null,
  addition_embed_type: null,
  addition_time_embed_dim: null,
  num_class_embeds: null,
  upcast_attention: false,
  resnet_time_scale_shift: 'default',
  resnet_skip_time_act: false,
  resnet_out_scale_factor: 1,
  time_embedding_type: 'positional',
  time_embedding_dim: null,
  time_embedding_act_fn: null,
  timestep_post_act: null,
  time_cond_proj_dim: null,
  conv_in_kernel: 3,
  conv_out_kernel: 3,
  projection_class_embeddings_input_dim: null,
  attention_type: 'default',
  class_embeddings_concat: false,
  mid_block_only_cross_attention: null,
  cross_attention_norm: null,
  addition_embed_type_num_heads: 64,
} as const satisfies Record<string, unknown>;

/** Parses a UNet2DConditionModel config.json object; `source` (the file) prefixes every error. */
export function parseUNet2DConditionConfig(input: unknown, source = 'config.json'): UNet2DConditionConfig {
  const read = openConfig(input, { source, classNames: ['UNet2DConditionModel'], defaults: DEFAULTS });
  const { value, fail } = read;

  const additionEmbed = readAdditionEmbed(read);

  // What diffusers has and denoise does not build yet: refused by name, at the value that means "off".
  read.fixed('num_attention_heads', null, 'diffusers itself refuses it and reads attention_head_dim as the head count');
  read.fixed('dual_cross_attention', false, 'versatile-diffusion dual transformers');
  read.fixed('encoder_hid_dim', null, 'encoder_hid_proj');
  read.fixed('encoder_hid_dim_type', null, 'encoder_hid_proj');
  read.fixed('class_embed_type', null, 'class embeddings');
  read.fixed('num_class_embeds', null, 'class embeddings');
  read.fixed('class_embeddings_concat', false, 'class embeddings');
  read.fixed('reverse_transformer_layers_per_block', null, 'asymmetric transformer depths');
  read.fixed('resnet_skip_time_act', false, 'skip_time_act resnets');
  read.fixed('time_embedding_type', 'positional', 'only sinusoidal time embeddings');
  read.fixed('time_embedding_act_fn', null, 'an activation after the time embedding');
  read.fixed('timestep_post_act', null, 'an activation after the time embedding');
  read.fixed('attention_type', 'default', 'GLIGEN gated attention');
  read.fixed('cross_attention_norm', null, 'normalised cross-attention');
  const blockOutChannels = read.intList('block_out_channels', 1);
  const levels = blockOutChannels.length;
  const downBlockTypes = read.choiceList('down_block_types', DOWN_TYPES, levels);
  const upBlockTypes = read.choiceList('up_block_types', UP_TYPES, levels);
  const normNumGroups = read.int('norm_num_groups', 1);
  read.divisibleBy('block_out_channels', blockOutChannels, normNumGroups, 'norm_num_groups');
  const attentionHeads = read.perLevelInt('attention_head_dim', levels, 1);
  blockOutChannels.forEach((channels, i) => {
    if (channels % attentionHeads[i]! !== 0) {
      fail(`attention_head_dim (the number of heads) ${attentionHeads[i]} does not divide block_out_channels[${i}] ${channels}`, 'attention_head_dim');
    }
  });
  const dropout = value('dropout');
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) fail(`dropout ${quote(dropout)} must be a number in [0, 1) (inert at inference)`, 'dropout');
  read.positiveNumber('resnet_out_scale_factor'); // used only by the ResnetDownsample/SimpleCrossAttn blocks, which are refused
  read.int('addition_embed_type_num_heads', 1); // used only by addition_embed_type "text"
  const kernel = (key: 'conv_in_kernel' | 'conv_out_kernel') => {
    const k = read.int(key, 1, 15);
    if (k % 2 === 0) fail(`${key} ${k} must be odd (diffusers pads by (k − 1) / 2)`, key);
    return k;
  };
  const onlyCrossAttention = read.perLevelBoolean('only_cross_attention', levels);
  // Read by diffusers' UNetMidBlock2DSimpleCrossAttn only; UNetMidBlock2DCrossAttn never attends only across.
  const midOnly = value('mid_block_only_cross_attention');
  if (midOnly !== null && typeof midOnly !== 'boolean') fail(`mid_block_only_cross_attention ${quote(midOnly)} must be true, false or null`, 'mid_block_only_cross_attention');

  return {
    sampleSize: read.sampleSize('sample_size'),
    inChannels: read.int('in_channels', 1),
    outChannels: read.int('out_channels', 1),
    centerInputSample: read.boolean('center_input_sample'),
    flipSinToCos: read.boolean('flip_sin_to_cos'),
    freqShift: read.number('freq_shift'),
    downBlockTypes,
    midBlockType: read.optionalChoice('mid_block_type', MID_TYPES),
    upBlockTypes,
    blockOutChannels,
    layersPerBlock: read.perLevelInt('layers_per_block', levels, 1, PLAUSIBLE.layers),
    downsamplePadding: read.int('downsample_padding', 0, 8),
    midBlockScaleFactor: read.positiveNumber('mid_block_scale_factor'),
    actFn: read.choice('act_fn', ACTIVATIONS),
    normNumGroups,
    normEps: read.positiveNumber('norm_eps'),
    crossAttentionDim: crossAttentionDim(read.perLevelInt('cross_attention_dim', levels, 1), fail),
    transformerLayersPerBlock: read.perLevelInt('transformer_layers_per_block', levels, 1, PLAUSIBLE.layers),
    attentionHeads,
    onlyCrossAttention,
    useLinearProjection: read.boolean('use_linear_projection'),
    // Saved as null by some diffusers versions (LCM_Dreamshaper_v7); diffusers reads it as false.
    upcastAttention: value('upcast_attention') === null ? false : read.boolean('upcast_attention'),
    resnetTimeScaleShift: read.choice('resnet_time_scale_shift', ['default', 'scale_shift'] as const),
    timeEmbeddingDim: read.optionalInt('time_embedding_dim', 1),
    timeCondProjDim: read.optionalInt('time_cond_proj_dim', 1),
    additionEmbed,
    convInKernel: kernel('conv_in_kernel'),
    convOutKernel: kernel('conv_out_kernel'),
  };
}

/**
 * addition_embed_type: null, or SDXL's "text_time" with its two widths (diffusers' `_set_add_embedding`). "text",
 * "text_image", "image" and "image_hint" (Kandinsky, DeepFloyd) are refused by name. The widths are read only for
 * "text_time"; with null they must stay null (projection_class_embeddings_input_dim otherwise feeds class embeddings).
 */
function readAdditionEmbed(read: ConfigReader<keyof typeof DEFAULTS>): TextTimeAdditionEmbedding | undefined {
  const type = read.optionalChoice('addition_embed_type', ['text_time'] as const);
  if (type === undefined) {
    read.fixed('projection_class_embeddings_input_dim', null, 'class or added embeddings');
    read.fixed('addition_time_embed_dim', null, 'read only with addition_embed_type "text_time"');
    return undefined;
  }
  const timeEmbedDim = read.int('addition_time_embed_dim', 1);
  const inputDim = read.int('projection_class_embeddings_input_dim', 1);
  const textEmbedsDim = inputDim - TEXT_TIME_IDS * timeEmbedDim;
  if (textEmbedsDim < 1) {
    read.fail(
      `projection_class_embeddings_input_dim ${inputDim} must be text_embeds' width + ${TEXT_TIME_IDS} time ids × addition_time_embed_dim ${timeEmbedDim} = ${TEXT_TIME_IDS * timeEmbedDim} + a width ≥ 1`,
      'projection_class_embeddings_input_dim',
    );
  }
  return { type, timeEmbedDim, inputDim, textEmbedsDim };
}

/** The one width of encoder_hidden_states: every level must attend to the same text encoder output. */
function crossAttentionDim(perLevel: readonly number[], fail: (reason: string, key?: string) => never): number {
  if (perLevel.some((d) => d !== perLevel[0])) {
    fail(`cross_attention_dim ${quote(perLevel)} differs between levels; denoise feeds one encoder_hidden_states width to every level`, 'cross_attention_dim');
  }
  return perLevel[0]!;
}
