import { CheckpointWeights } from './checkpoint-weights.js';
import { GraphBuilder, type GraphOptions } from './onnx-graph.js';
import { activation, conv2d, groupNorm, type LayerContext } from './nn-layers.js';
import type { ResnetSettings } from './resnet-block.js';
import { sinusoidalProjection, textTimeEmbedding, timestepEmbedding } from './time-embedding.js';
import { DeepCacheTap, type DeepCacheSignature } from './deep-cache-graph.js';
import { DOWN_BLOCKS, MID_BLOCKS, UP_BLOCKS } from './unet-blocks.js';
import { TEXT_TIME_IDS, type UNet2DConditionConfig } from './unet-condition-config.js';
import { NO_WEIGHTS, type WeightsFile } from './weights-file.js';

/** The conditional UNet graph's inputs and output, as the runtime feeds them. */
export interface UNetConditionGraphSignature {
  /** float32 [batch, C, height, width]; batch, height and width are symbolic. */
  readonly sample: { readonly name: 'sample'; readonly channels: number };
  /** float32 [batch]: fractional timesteps (Euler, Heun) go in as they are. */
  readonly timestep: { readonly name: 'timestep' };
  /** float32 [batch, tokens, dim]: the text encoder's hidden states, one row per image. */
  readonly encoderHiddenStates: { readonly name: 'encoder_hidden_states'; readonly dim: number };
  /** LCM: float32 [batch, dim], the guidance-scale embedding. */
  readonly timestepCond?: { readonly name: 'timestep_cond'; readonly dim: number };
  /**
   * SDXL (addition_embed_type "text_time"), diffusers' `added_cond_kwargs`, one row per image like
   * encoder_hidden_states: `text_embeds` float32 [batch, dim], the pooled embedding (text_encoder_2's projected
   * `text_embeds`; its projection_dim must equal `dim`), and `time_ids` float32 [batch, 6], original_size (h, w) +
   * crops_coords_top_left (top, left) + target_size (h, w) in pixels, as floats.
   */
  readonly addedConditions?: {
    readonly textEmbeds: { readonly name: 'text_embeds'; readonly dim: number };
    readonly timeIds: { readonly name: 'time_ids'; readonly count: typeof TEXT_TIME_IDS };
  };
  readonly output: { readonly name: 'out_sample'; readonly channels: number };
  /** Height and width must be multiples of this (2 per downsampling level). */
  readonly sizeMultiple: number;
  /** Set when built with a DeepCache branch: the graph's second output, `deep_feature`. */
  readonly deepCache?: DeepCacheSignature;
}

export interface UNetConditionGraph {
  readonly graph: GraphBuilder;
  readonly signature: UNetConditionGraphSignature;
}

/**
 * diffusers' UNet2DConditionModel forward pass (models/unets/unet_2d_condition.py) as an ONNX graph over the
 * checkpoint's tensors: sinusoidal time embedding (+ LCM's cond_proj, + SDXL's text and time-id embedding), conv_in,
 * down blocks collecting skips, the mid block, up blocks consuming them, norm/act/conv_out; cross-attention blocks read
 * encoder_hidden_states. Throws CheckpointMismatchError listing every weight problem.
 */
export function buildUNet2DConditionGraph(config: UNet2DConditionConfig, weightsFile: WeightsFile, options: GraphOptions = {}): UNetConditionGraph {
  const { graph, signature, weights } = assembleGraph(config, weightsFile, options);
  weights.assertComplete();
  return { graph, signature };
}

/** Every weight a checkpoint of this config holds, with its shape (diffusers' names), in forward order. */
export function unet2DConditionWeightShapes(config: UNet2DConditionConfig): ReadonlyMap<string, readonly number[]> {
  return assembleGraph(config, NO_WEIGHTS).weights.requested;
}

function assembleGraph(config: UNet2DConditionConfig, weightsFile: WeightsFile, options: GraphOptions = {}): UNetConditionGraph & { readonly weights: CheckpointWeights } {
  const graph = new GraphBuilder(options);
  const weights = new CheckpointWeights(weightsFile, graph);
  const layer: LayerContext = { graph, weights };
  const channels = config.blockOutChannels;
  const channels0 = channels[0]!;
  const levels = channels.length;
  const embeddingChannels = config.timeEmbeddingDim ?? channels0 * 4;

  const sample = graph.input({ name: 'sample', dtype: 'FLOAT', shape: ['batch', config.inChannels, 'height', 'width'] });
  const timestep = graph.input({ name: 'timestep', dtype: 'FLOAT', shape: ['batch'] });
  const encoderHiddenStates = graph.input({ name: 'encoder_hidden_states', dtype: 'FLOAT', shape: ['batch', 'tokens', config.crossAttentionDim] });
  const timestepCond =
    config.timeCondProjDim === undefined ? undefined : graph.input({ name: 'timestep_cond', dtype: 'FLOAT', shape: ['batch', config.timeCondProjDim] });

  // 1. time: Timesteps(block_out_channels[0]) → TimestepEmbedding(act_fn, cond_proj for LCM), + SDXL's aug embedding.
  const sinusoidal = { flipSinToCos: config.flipSinToCos, freqShift: config.freqShift };
  const projected = sinusoidalProjection(layer, timestep, channels0, sinusoidal, 'time_proj');
  let embedding = timestepEmbedding(layer, projected, 'time_embedding', { in: channels0, out: embeddingChannels }, {
    act: config.actFn,
    ...(timestepCond ? { condition: { value: timestepCond, dim: config.timeCondProjDim! } } : {}),
  });
  const added = config.additionEmbed;
  if (added !== undefined) {
    const textEmbeds = graph.input({ name: 'text_embeds', dtype: 'FLOAT', shape: ['batch', added.textEmbedsDim] });
    const timeIds = graph.input({ name: 'time_ids', dtype: 'FLOAT', shape: ['batch', TEXT_TIME_IDS] });
    const aug = textTimeEmbedding(layer, { textEmbeds, timeIds }, { timeEmbedDim: added.timeEmbedDim, inputDim: added.inputDim, out: embeddingChannels }, sinusoidal);
    embedding = graph.op('Add', [embedding, aug], {}, 'add_embedding');
  }
  const resnet: ResnetSettings = {
    groups: config.normNumGroups,
    eps: config.normEps,
    act: config.actFn,
    timeScaleShift: config.resnetTimeScaleShift,
    temb: { activated: activation(layer, embedding, config.actFn, 'time_embedding'), channels: embeddingChannels },
  };
  const transformerAt = (level: number, onlyCrossAttention: boolean) => ({
    heads: config.attentionHeads[level]!,
    encoderHiddenStates,
    crossAttentionDim: config.crossAttentionDim,
    useLinearProjection: config.useLinearProjection,
    onlyCrossAttention,
    groups: config.normNumGroups,
  });

  // 2. conv_in, 3. down blocks: every output is a skip connection for the up path.
  let h = conv2d(layer, sample, 'conv_in', { in: config.inChannels, out: channels0, kernel: config.convInKernel });
  const skips = [h];
  const skipChannels = [channels0];
  let outChannels = channels0;
  config.downBlockTypes.forEach((type, i) => {
    const inChannels = outChannels;
    outChannels = channels[i]!;
    const layers = config.layersPerBlock[i]!;
    const block = DOWN_BLOCKS[type](layer, h, {
      index: i,
      layers,
      resnet,
      attentionHeadDim: outChannels,
      resnetOutScaleFactor: 1,
      transformer: { ...transformerAt(i, config.onlyCrossAttention[i]!), layersPerResnet: new Array<number>(layers).fill(config.transformerLayersPerBlock[i]!) },
      channels: { in: inChannels, out: outChannels },
      addDownsample: i < levels - 1,
      downsamplePadding: config.downsamplePadding,
      downsampleType: 'conv',
    });
    h = block.output;
    skips.push(...block.skips);
    skipChannels.push(...block.skips.map(() => outChannels));
  });

  const tap = options.deepCacheBranch === undefined ? undefined : new DeepCacheTap(options.deepCacheBranch, skips.length, levels);

  // 4. mid: UNetMidBlock2DCrossAttn (resnet, transformer, resnet) or UNetMidBlock2D with no attention (one resnet).
  if (config.midBlockType) {
    const last = levels - 1;
    h = MID_BLOCKS[config.midBlockType](layer, h, {
      channels: channels[last]!,
      layers: config.midBlockType === 'UNetMidBlock2DCrossAttn' ? 1 : 0,
      resnet,
      outputScaleFactor: config.midBlockScaleFactor,
      attention: { enabled: false, headDim: channels[last]!, groups: config.normNumGroups },
      transformer: { ...transformerAt(last, false), layers: config.transformerLayersPerBlock[last]! },
    });
  }

  // 5. up blocks, per-level options reversed as diffusers reverses them.
  const reversed = [...channels].reverse();
  let upOut = reversed[0]!;
  config.upBlockTypes.forEach((type, i) => {
    const level = levels - 1 - i;
    const prevOutput = upOut;
    upOut = reversed[i]!;
    const layers = config.layersPerBlock[level]! + 1;
    h = UP_BLOCKS[type](layer, h, {
      index: i,
      layers,
      resnet,
      attentionHeadDim: upOut,
      resnetOutScaleFactor: 1,
      transformer: { ...transformerAt(level, config.onlyCrossAttention[level]!), layersPerResnet: new Array<number>(layers).fill(config.transformerLayersPerBlock[level]!) },
      channels: { in: reversed[Math.min(i + 1, levels - 1)]!, prevOutput, out: upOut },
      addUpsample: i < levels - 1,
      upsampleType: 'conv',
      skips,
      skipChannels,
      ...(tap ? { beforeSkip: tap.beforeSkip } : {}),
    });
  });

  // 6. conv_norm_out → act_fn → conv_out.
  h = groupNorm(layer, h, 'conv_norm_out', channels0, config.normNumGroups, config.normEps);
  h = conv2d(layer, activation(layer, h, config.actFn, 'conv_act'), 'conv_out', { in: channels0, out: config.outChannels, kernel: config.convOutKernel });
  graph.output(h, { name: 'out_sample', dtype: 'FLOAT', shape: ['batch', config.outChannels, 'height', 'width'] });
  const deepCache = tap?.emit(graph);

  return {
    graph,
    weights,
    signature: {
      sample: { name: 'sample', channels: config.inChannels },
      timestep: { name: 'timestep' },
      encoderHiddenStates: { name: 'encoder_hidden_states', dim: config.crossAttentionDim },
      ...(config.timeCondProjDim !== undefined ? { timestepCond: { name: 'timestep_cond', dim: config.timeCondProjDim } } : {}),
      ...(added ? { addedConditions: { textEmbeds: { name: 'text_embeds', dim: added.textEmbedsDim }, timeIds: { name: 'time_ids', count: TEXT_TIME_IDS } } } : {}),
      output: { name: 'out_sample', channels: config.outChannels },
      sizeMultiple: 2 ** (levels - 1),
      ...(deepCache ? { deepCache } : {}),
    },
  };
}
