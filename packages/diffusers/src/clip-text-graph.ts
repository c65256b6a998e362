import { CheckpointWeights } from './checkpoint-weights.js';
import { clipEncoderLayer } from './clip-encoder-layer.js';
import type { ClipTextArchitecture, ClipTextConfig } from './clip-text-config.js';
import { dense, layerNorm, type LayerContext } from './nn-layers.js';
import { GraphBuilder, type GraphOptions, type GraphValueInfo } from './onnx-graph.js';
import { ONNX_DTYPE } from './onnx-proto.js';
import { NO_WEIGHTS, type WeightsFile } from './weights-file.js';

/**
 * The graph's outputs, all float32:
 * - last_hidden_state [B, S, D]: the last layer's output after final_layer_norm (what SD 1.x/2.x condition on);
 * - hidden_states [L+1, B, S, D]: the embeddings (index 0) and each layer's output, no final norm (transformers'
 *   output_hidden_states; SDXL takes index L−1);
 * - hidden_states_final_norm [L+1, B, S, D]: final_layer_norm of each of them (diffusers' clip_skip k uses index L−k);
 * - pooler_output [B, D]: last_hidden_state at the end-of-text position;
 * - text_embeds [B, projection_dim]: text_projection(pooler_output), CLIPTextModelWithProjection only.
 */
export type ClipTextOutputName = 'last_hidden_state' | 'hidden_states' | 'hidden_states_final_norm' | 'pooler_output' | 'text_embeds';

export interface ClipTextGraphSignature {
  readonly architecture: ClipTextArchitecture;
  /** int64 [batch, sequence]; sequence is symbolic, at most maxLength. */
  readonly input: { readonly name: 'input_ids'; readonly dtype: 'int64' };
  readonly outputs: readonly ClipTextOutputName[];
  readonly hiddenSize: number;
  readonly layers: number;
  /** text_embeds' width; undefined without the projection. */
  readonly projectionDim: number | undefined;
  /** max_position_embeddings: the longest sequence the position table covers. */
  readonly maxLength: number;
}

export interface ClipTextGraph {
  readonly graph: GraphBuilder;
  readonly signature: ClipTextGraphSignature;
}

export interface ClipTextGraphOptions extends GraphOptions {
  /** CLIPTextModelWithProjection (adds text_embeds); by default what the config's `architectures` says. */
  readonly withProjection?: boolean;
}

/** transformers' CLIPTextModel/CLIPTextModelWithProjection keep the transformer under this state_dict prefix. */
const PREFIX = 'text_model';

/**
 * Builds transformers' CLIPTextModel (or CLIPTextModelWithProjection) forward pass (models/clip/modeling_clip.py,
 * eager attention) as an ONNX graph over the checkpoint's tensors: token + position embeddings, the pre-norm causal
 * encoder layers, final_layer_norm, end-of-text pooling [, text_projection]. Throws CheckpointMismatchError listing
 * every weight problem.
 */
export function buildClipTextGraph(config: ClipTextConfig, weightsFile: WeightsFile, options: ClipTextGraphOptions = {}): ClipTextGraph {
  const { graph, signature, weights } = assembleGraph(config, weightsFile, options);
  weights.assertComplete();
  return { graph, signature };
}

/** The state_dict a checkpoint of this config holds: every weight's name and shape, as transformers saves it. */
export function clipTextWeightShapes(config: ClipTextConfig, options: ClipTextGraphOptions = {}): ReadonlyMap<string, readonly number[]> {
  return assembleGraph(config, NO_WEIGHTS, options).weights.requested;
}

function assembleGraph(config: ClipTextConfig, weightsFile: WeightsFile, options: ClipTextGraphOptions): ClipTextGraph & { readonly weights: CheckpointWeights } {
  const graph = new GraphBuilder(options);
  const weights = new CheckpointWeights(weightsFile, graph);
  // Checkpoints saved by transformers < 4.31 hold a position_ids buffer; transformers ignores it on load, and so do we.
  weights.ignore(`${PREFIX}.embeddings.position_ids`);
  const layer: LayerContext = { graph, weights };
  const withProjection = options.withProjection ?? config.architecture === 'CLIPTextModelWithProjection';
  const width = config.hiddenSize;
  const layers = config.numHiddenLayers;

  const inputIds = graph.input({ name: 'input_ids', dtype: 'INT64', shape: ['batch', 'sequence'] });
  const sequenceLength = graph.op('Shape', [inputIds], { start: 1, end: 2 }, `${PREFIX}.embeddings`); // [1]

  const hiddenStates = [textEmbeddings(layer, inputIds, sequenceLength, config)];
  const mask = causalMask(layer, sequenceLength);
  for (let i = 0; i < layers; i++) {
    hiddenStates.push(clipEncoderLayer(layer, hiddenStates[i]!, `${PREFIX}.encoder.layers.${i}`, config, mask));
  }
  const finalNorm = (x: string) => layerNorm(layer, x, `${PREFIX}.final_layer_norm`, width, config.layerNormEps);
  const lastHiddenState = finalNorm(hiddenStates[layers]!);
  const leadingAxis = graph.constant('INT64', [1], [0]);
  const entries = hiddenStates.map((h) => graph.op('Unsqueeze', [h, leadingAxis], {}, 'hidden_states'));
  const stacked = graph.op('Concat', entries, { axis: 0 }, 'hidden_states'); // [L+1, B, S, D]
  const pooled = eosPooling(layer, lastHiddenState, inputIds, config);

  const publish = (value: string, name: ClipTextOutputName, shape: GraphValueInfo['shape']) =>
    // Through Identity, so the producing node keeps its name for the nodes that read it.
    graph.output(graph.op('Identity', [value], {}, name), { name, dtype: 'FLOAT', shape });
  publish(lastHiddenState, 'last_hidden_state', ['batch', 'sequence', width]);
  publish(stacked, 'hidden_states', [layers + 1, 'batch', 'sequence', width]);
  publish(finalNorm(stacked), 'hidden_states_final_norm', [layers + 1, 'batch', 'sequence', width]);
  publish(pooled, 'pooler_output', ['batch', width]);
  if (withProjection) {
    publish(dense(layer, pooled, 'text_projection', width, config.projectionDim, { bias: false }), 'text_embeds', ['batch', config.projectionDim]);
  }

  return {
    graph,
    weights,
    signature: {
      architecture: withProjection ? 'CLIPTextModelWithProjection' : 'CLIPTextModel',
      input: { name: 'input_ids', dtype: 'int64' },
      outputs: ['last_hidden_state', 'hidden_states', 'hidden_states_final_norm', 'pooler_output', ...(withProjection ? (['text_embeds'] as const) : [])],
      hiddenSize: width,
      layers,
      projectionDim: withProjection ? config.projectionDim : undefined,
      maxLength: config.maxPositionEmbeddings,
    },
  };
}

/**
 * CLIPTextEmbeddings: token_embedding(input_ids) + position_embedding(0 … S−1).
 */
function textEmbeddings({ graph, weights }: LayerContext, inputIds: string, sequenceLength: string, config: ClipTextConfig): string {
  const scope = `${PREFIX}.embeddings`;
  const tokens = weights.take(`${scope}.token_embedding.weight`, [config.vocabSize, config.hiddenSize]);
  const positions = weights.take(`${scope}.position_embedding.weight`, [config.maxPositionEmbeddings, config.hiddenSize]);
  const zero = graph.constant('INT64', [1], [0]);
  const firstPositions = graph.op('Slice', [positions, zero, sequenceLength, zero], {}, scope); // [S, D]
  return graph.op('Add', [graph.op('Gather', [tokens, inputIds], { axis: 0 }, scope), firstPositions], {}, scope);
}

/**
 * The causal mask added to the attention scores, [S, S]: 0 on and below the diagonal, −∞ above it. transformers adds
 * float32's minimum there; −∞ makes the masked probabilities exactly 0 whatever the scores (exp(−∞) = 0), and the
 * diagonal is never masked, so no row is all −∞.
 */
function causalMask({ graph }: LayerContext, sequenceLength: string): string {
  const square = graph.op('Concat', [sequenceLength, sequenceLength], { axis: 0 }, 'causal_mask');
  const filled = graph.op('Expand', [graph.constant('FLOAT', [], [-Infinity]), square], {}, 'causal_mask');
  // Trilu keeps the elements j ≥ i + 1 and zeroes the rest.
  return graph.op('Trilu', [filled, graph.constant('INT64', [], [1])], { upper: 1 }, 'causal_mask');
}

/**
 * CLIPTextTransformer's pooled output: last_hidden_state at one position per row. With eos_token_id 2 (configs
 * saved before transformers PR #24773) that is the argmax of the ids (the first 49407, the highest id); otherwise the
 * first position holding eos_token_id (0 when there is none, as torch's argmax of all zeros gives). The argmax runs
 * on int32, as in transformers (ids are < vocab_size, so the cast changes no id the Gather would accept).
 */
function eosPooling({ graph }: LayerContext, lastHiddenState: string, inputIds: string, config: ClipTextConfig): string {
  const scope = 'pooler_output';
  const int32 = { to: ONNX_DTYPE.INT32 };
  const scored =
    config.eosTokenId === 2
      ? graph.op('Cast', [inputIds], int32, scope)
      : graph.op('Cast', [graph.op('Equal', [inputIds, graph.constant('INT64', [], [config.eosTokenId])], {}, scope)], int32, scope);
  const position = graph.op('ArgMax', [scored], { axis: -1, keepdims: 1, select_last_index: 0 }, scope); // [B, 1], the first maximum
  const perRow = graph.op('Unsqueeze', [position, graph.constant('INT64', [1], [2])], {}, scope); // [B, 1, 1]
  const indices = graph.op('Expand', [perRow, graph.constant('INT64', [3], [1, 1, config.hiddenSize])], {}, scope); // [B, 1, D]
  const row = graph.op('GatherElements', [lastHiddenState, indices], { axis: 1 }, scope); // [B, 1, D]
  return graph.op('Squeeze', [row, graph.constant('INT64', [1], [1])], {}, scope);
}
