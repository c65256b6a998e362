import { CheckpointWeights } from './checkpoint-weights.js';
import { GraphBuilder, type GraphOptions } from './onnx-graph.js';
import type { UNet2DConfig } from './unet-config.js';
import { DeepCacheTap, type DeepCacheSignature } from './deep-cache-graph.js';
import { DOWN_BLOCKS, MID_BLOCKS, UP_BLOCKS } from './unet-blocks.js';
import { activation, conv2d, groupNorm, type LayerContext } from './nn-layers.js';
import type { ResnetSettings } from './resnet-block.js';
import { sinusoidalProjection, timestepEmbedding } from './time-embedding.js';
import { NO_WEIGHTS, type WeightsFile } from './weights-file.js';

/** The graph's inputs, as the runtime feeds them. */
export interface UNetGraphSignature {
  /** float32 [batch, C, height, width]; height and width are symbolic. */
  readonly sample: { readonly name: 'sample'; readonly channels: number };
  /** [batch]: float32 noise level / timestep, or int64 for a learned (table) time embedding. */
  readonly timestep: { readonly name: 'timestep'; readonly dtype: 'float32' | 'int64' };
  /** int64 [batch] class indices, or float32 [batch, width] embeddings for class_embed_type 'identity'. */
  readonly classLabels?: { readonly name: 'class_labels'; readonly dtype: 'int64' | 'float32'; readonly width?: number; readonly count?: number };
  readonly output: { readonly name: 'out_sample'; readonly channels: number };
  /** Height and width must be multiples of this (2 per downsampling level). */
  readonly sizeMultiple: number;
  /** Set when built with a DeepCache branch: the graph's second output, `deep_feature`. */
  readonly deepCache?: DeepCacheSignature;
}

export interface UNetGraph {
  readonly graph: GraphBuilder;
  readonly signature: UNetGraphSignature;
}

/**
 * Builds diffusers' UNet2DModel forward pass (diffusers/models/unets/unet_2d.py) as an ONNX graph over the
 * checkpoint's tensors: time (and class) embedding, conv_in, down blocks collecting skips, mid block, up blocks
 * consuming them, norm/SiLU/conv_out. Throws CheckpointMismatchError listing every weight problem.
 */
export function buildUNet2DGraph(config: UNet2DConfig, weightsFile: WeightsFile, options: GraphOptions = {}): UNetGraph {
  const { graph, signature, weights } = assembleGraph(config, weightsFile, options);
  weights.assertComplete();
  return { graph, signature };
}

/** The state_dict a checkpoint of this config holds: every weight's name and shape (diffusers' current names). */
export function unet2DWeightShapes(config: UNet2DConfig): ReadonlyMap<string, readonly number[]> {
  return assembleGraph(config, NO_WEIGHTS).weights.requested;
}

function assembleGraph(config: UNet2DConfig, weightsFile: WeightsFile, options: GraphOptions = {}): UNetGraph & { readonly weights: CheckpointWeights } {
  const graph = new GraphBuilder(options);
  const weights = new CheckpointWeights(weightsFile, graph);
  const layer: LayerContext = { graph, weights };
  const channels0 = config.blockOutChannels[0]!;
  const embeddingChannels = config.timeEmbeddingDim ?? channels0 * 4;

  const sample = graph.input({ name: 'sample', dtype: 'FLOAT', shape: ['batch', config.inChannels, 'height', 'width'] });
  const timestepDtype = config.timeEmbeddingType === 'learned' ? 'int64' : 'float32';
  const timestep = graph.input({ name: 'timestep', dtype: timestepDtype === 'int64' ? 'INT64' : 'FLOAT', shape: ['batch'] });

  // Time embedding: time_proj (sinusoidal, Gaussian Fourier or a learned table), then the two-layer MLP.
  const timeProjection = timeProjector(layer, config, channels0);
  let embedding = timestepEmbedding(layer, timeProjection.project(timestep), 'time_embedding', { in: timeProjection.width, out: embeddingChannels });
  const classLabels = classEmbedding(layer, config, timeProjection, embeddingChannels);
  if (classLabels) embedding = graph.op('Add', [embedding, classLabels.embedding], {}, 'class_embedding');

  const resnet: ResnetSettings = {
    groups: config.normNumGroups,
    eps: config.normEps,
    act: config.actFn,
    timeScaleShift: config.resnetTimeScaleShift,
    temb: { activated: activation(layer, embedding, config.actFn, 'time_embedding'), channels: embeddingChannels },
  };
  const levelArgs = (index: number, out: number) => ({
    index,
    layers: config.layersPerBlock,
    resnet,
    attentionHeadDim: config.attentionHeadDim ?? out,
    resnetOutScaleFactor: 1,
  });

  let h = sample;
  if (config.centerInputSample) {
    h = graph.op('Sub', [graph.op('Mul', [h, graph.constant('FLOAT', [], [2])]), graph.constant('FLOAT', [], [1])], {}, 'center_input_sample');
  }
  h = conv2d(layer, h, 'conv_in', { in: config.inChannels, out: channels0, kernel: 3 });
  const skips = [h];
  const skipChannels = [channels0];
  const levels = config.blockOutChannels.length;
  let outChannels = channels0;
  config.downBlockTypes.forEach((type, i) => {
    const inChannels = outChannels;
    outChannels = config.blockOutChannels[i]!;
    const block = DOWN_BLOCKS[type](layer, h, {
      ...levelArgs(i, outChannels),
      channels: { in: inChannels, out: outChannels },
      addDownsample: i < levels - 1,
      downsamplePadding: config.downsamplePadding,
      downsampleType: config.downsampleType,
    });
    h = block.output;
    skips.push(...block.skips);
    skipChannels.push(...block.skips.map(() => outChannels));
  });
  const tap = options.deepCacheBranch === undefined ? undefined : new DeepCacheTap(options.deepCacheBranch, skips.length, levels);
  if (config.midBlockType) {
    const channels = config.blockOutChannels[levels - 1]!;
    h = MID_BLOCKS[config.midBlockType](layer, h, {
      channels,
      layers: 1,
      resnet,
      outputScaleFactor: config.midBlockScaleFactor,
      // The mid attention's group norm: attn_norm_num_groups, else norm_num_groups — none with scale_shift.
      attention: {
        enabled: config.addAttention,
        headDim: config.attentionHeadDim ?? channels,
        groups: config.attnNormNumGroups ?? (config.resnetTimeScaleShift === 'default' ? config.normNumGroups : undefined),
      },
    });
  }

  const reversed = [...config.blockOutChannels].reverse();
  let upOut = reversed[0]!;
  config.upBlockTypes.forEach((type, i) => {
    const prevOutput = upOut;
    upOut = reversed[i]!;
    h = UP_BLOCKS[type](layer, h, {
      ...levelArgs(i, upOut),
      layers: config.layersPerBlock + 1,
      channels: { in: reversed[Math.min(i + 1, levels - 1)]!, prevOutput, out: upOut },
      addUpsample: i < levels - 1,
      upsampleType: config.upsampleType,
      skips,
      skipChannels,
      ...(tap ? { beforeSkip: tap.beforeSkip } : {}),
    });
  });

  // conv_act is SiLU whatever act_fn says (UNet2DModel builds nn.SiLU() there).
  h = groupNorm(layer, h, 'conv_norm_out', channels0, config.normNumGroups, config.normEps);
  h = conv2d(layer, activation(layer, h, 'silu', 'conv_act'), 'conv_out', { in: channels0, out: config.outChannels, kernel: 3 });
  if (config.timeEmbeddingType === 'fourier') {
    // Score-SDE models predict the score scaled by σ: diffusers divides by the noise level at the end.
    h = graph.op('Div', [h, graph.op('Reshape', [timestep, graph.constant('INT64', [4], [-1, 1, 1, 1])])], {}, 'fourier_output');
  }
  graph.output(h, { name: 'out_sample', dtype: 'FLOAT', shape: ['batch', config.outChannels, 'height', 'width'] });
  const deepCache = tap?.emit(graph);

  return {
    graph,
    weights,
    signature: {
      sample: { name: 'sample', channels: config.inChannels },
      timestep: { name: 'timestep', dtype: timestepDtype },
      ...(classLabels ? { classLabels: classLabels.signature } : {}),
      output: { name: 'out_sample', channels: config.outChannels },
      sizeMultiple: 2 ** (levels - 1),
      ...(deepCache ? { deepCache } : {}),
    },
  };
}

interface TimeProjector {
  readonly width: number;
  project(value: string): string;
}

/** time_proj: Timesteps (sinusoidal), GaussianFourierProjection, or nn.Embedding(num_train_timesteps, C0). */
function timeProjector(ctx: LayerContext, config: UNet2DConfig, channels0: number): TimeProjector {
  const { graph, weights } = ctx;
  switch (config.timeEmbeddingType) {
    case 'positional':
      return {
        width: channels0,
        project: (value) => sinusoidalProjection(ctx, value, channels0, { flipSinToCos: config.flipSinToCos, freqShift: config.freqShift }, 'time_proj'),
      };
    case 'fourier': {
      const w = weights.take('time_proj.weight', [channels0]);
      return {
        width: 2 * channels0,
        project: (value) => {
          // log(σ)·W·2π in torch's order of float32 operations; [sin, cos] (the projection's flip_sin_to_cos is False).
          const t = graph.op('Unsqueeze', [graph.op('Log', [value], {}, 'time_proj'), graph.constant('INT64', [1], [1])], {}, 'time_proj');
          const unsqueezedW = graph.op('Unsqueeze', [w, graph.constant('INT64', [1], [0])], {}, 'time_proj');
          let args = graph.op('Mul', [t, unsqueezedW], {}, 'time_proj');
          args = graph.op('Mul', [args, graph.constant('FLOAT', [], [2])], {}, 'time_proj');
          args = graph.op('Mul', [args, graph.constant('FLOAT', [], [Math.fround(Math.PI)])], {}, 'time_proj');
          return graph.op('Concat', [graph.op('Sin', [args], {}, 'time_proj'), graph.op('Cos', [args], {}, 'time_proj')], { axis: 1 }, 'time_proj');
        },
      };
    }
    case 'learned': {
      const table = weights.take('time_proj.weight', [config.numTrainTimesteps!, channels0]);
      return { width: channels0, project: (value) => graph.op('Gather', [table, value], { axis: 0 }, 'time_proj') };
    }
  }
}

/** The class embedding added to the time embedding, and the class_labels input it reads; none without one. */
function classEmbedding(
  ctx: LayerContext,
  config: UNet2DConfig,
  timeProjection: TimeProjector,
  embeddingChannels: number,
): { readonly embedding: string; readonly signature: NonNullable<UNetGraphSignature['classLabels']> } | undefined {
  const { graph, weights } = ctx;
  if (config.classEmbedType === 'identity') {
    const labels = graph.input({ name: 'class_labels', dtype: 'FLOAT', shape: ['batch', embeddingChannels] });
    return { embedding: labels, signature: { name: 'class_labels', dtype: 'float32', width: embeddingChannels } };
  }
  if (config.classEmbedType === 'timestep') {
    const labels = graph.input({ name: 'class_labels', dtype: 'INT64', shape: ['batch'] });
    const embedding = timestepEmbedding(ctx, timeProjection.project(labels), 'class_embedding', { in: timeProjection.width, out: embeddingChannels });
    const count = config.timeEmbeddingType === 'learned' ? config.numTrainTimesteps : undefined;
    return { embedding, signature: { name: 'class_labels', dtype: 'int64', ...(count ? { count } : {}) } };
  }
  if (config.numClassEmbeds !== undefined) {
    const labels = graph.input({ name: 'class_labels', dtype: 'INT64', shape: ['batch'] });
    const table = weights.take('class_embedding.weight', [config.numClassEmbeds, embeddingChannels]);
    const embedding = graph.op('Gather', [table, labels], { axis: 0 }, 'class_embedding');
    return { embedding, signature: { name: 'class_labels', dtype: 'int64', count: config.numClassEmbeds } };
  }
  return undefined;
}
