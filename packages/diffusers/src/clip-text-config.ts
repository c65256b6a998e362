/**
 * transformers' CLIPTextConfig (a text_encoder/config.json), validated once: every key known, every value one the
 * graph builder supports, each refusal naming the key, the value and what is allowed. transformers saves the file
 * in diff form (keys equal to the class defaults are left out), so the defaults below are CLIPTextConfig.__init__'s
 * (transformers 4.57) and mean what they mean there.
 */

import { openConfig, quote } from './config-reader.js';

export const CLIP_TEXT_ARCHITECTURES = ['CLIPTextModel', 'CLIPTextModelWithProjection'] as const;
/** transformers' ACT2FN names the builder implements: quick_gelu x·σ(1.702·x) and exact (erf) GELU. */
export const CLIP_HIDDEN_ACTS = ['quick_gelu', 'gelu'] as const;

export type ClipTextArchitecture = (typeof CLIP_TEXT_ARCHITECTURES)[number];
export type ClipHiddenAct = (typeof CLIP_HIDDEN_ACTS)[number];

export interface ClipTextConfig {
  /** The class `architectures` names; undefined when the file has none (the pipeline's model_index.json decides). */
  readonly architecture: ClipTextArchitecture | undefined;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  /** Width of text_embeds; used by CLIPTextModelWithProjection only. */
  readonly projectionDim: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly maxPositionEmbeddings: number;
  readonly hiddenAct: ClipHiddenAct;
  readonly layerNormEps: number;
  readonly bosTokenId: number | undefined;
  /** Decides the pooled position: 2 (configs saved before transformers PR #24773) means the argmax of the ids. */
  readonly eosTokenId: number;
  readonly padTokenId: number | undefined;
}

/** The keys CLIPTextConfig reads, with its defaults (as the JSON would spell them). */
const DEFAULTS = {
  vocab_size: 49408,
  hidden_size: 512,
  intermediate_size: 2048,
  projection_dim: 512,
  num_hidden_layers: 12,
  num_attention_heads: 8,
  max_position_embeddings: 77,
  hidden_act: 'quick_gelu',
  layer_norm_eps: 1e-5,
  attention_dropout: 0,
  dropout: 0,
  initializer_range: 0.02,
  initializer_factor: 1,
  pad_token_id: 1,
  bos_token_id: 49406,
  eos_token_id: 49407,
} as const satisfies Record<string, unknown>;

type ClipTextKey = keyof typeof DEFAULTS;

/**
 * Upper bounds far above any published CLIP text encoder (OpenCLIP bigG: hidden 1280, 32 layers, intermediate
 * 5120), so that a hostile config is refused before anything is built rather than producing a graph of millions of
 * nodes or a weights file that cannot fit.
 */
const LIMITS = {
  vocab_size: 1 << 20,
  hidden_size: 16384,
  intermediate_size: 65536,
  projection_dim: 16384,
  num_hidden_layers: 256,
  num_attention_heads: 1024,
  max_position_embeddings: 8192,
} as const satisfies Partial<Record<ClipTextKey, number>>;

/**
 * Keys every transformers PretrainedConfig may carry that do not change this model's forward pass: bookkeeping,
 * training-time switches, output selection (the graph returns every output) and the legacy generation defaults.
 * Keys starting with '_' (`_name_or_path`, `_commit_hash`, …) are bookkeeping too.
 */
const INERT_PRETRAINED_KEYS = [
  'architectures',
  'model_type',
  'transformers_version',
  'dtype',
  'torch_dtype',
  'return_dict',
  'output_hidden_states',
  'output_attentions',
  'torchscript',
  'use_bfloat16',
  'tf_legacy_loss',
  'gradient_checkpointing',
  'attn_implementation',
  'pruned_heads',
  'tie_word_embeddings',
  'chunk_size_feed_forward',
  'is_encoder_decoder',
  'is_decoder',
  'cross_attention_hidden_size',
  'add_cross_attention',
  'tie_encoder_decoder',
  'finetuning_task',
  'id2label',
  'label2id',
  'num_labels',
  'task_specific_params',
  'problem_type',
  'tokenizer_class',
  'prefix',
  'sep_token_id',
  'decoder_start_token_id',
  // PretrainedConfig._get_global_generation_defaults (loaded for backward compatibility; unused by CLIP).
  'max_length',
  'min_length',
  'do_sample',
  'early_stopping',
  'num_beams',
  'num_beam_groups',
  'diversity_penalty',
  'temperature',
  'top_k',
  'top_p',
  'typical_p',
  'repetition_penalty',
  'length_penalty',
  'no_repeat_ngram_size',
  'encoder_no_repeat_ngram_size',
  'bad_words_ids',
  'num_return_sequences',
  'output_scores',
  'return_dict_in_generate',
  'forced_bos_token_id',
  'forced_eos_token_id',
  'remove_invalid_values',
  'exponential_decay_length_penalty',
  'suppress_tokens',
  'begin_suppress_tokens',
] as const;

/** Parses a CLIPTextModel / CLIPTextModelWithProjection config.json object; `source` (the file) prefixes every error. */
export function parseClipTextConfig(input: unknown, source = 'config.json'): ClipTextConfig {
  const read = openConfig(input, { source, classNames: ['CLIPTextConfig'], defaults: DEFAULTS, inertKeys: INERT_PRETRAINED_KEYS });
  const { fail } = read;
  const raw = input as Record<string, unknown>;
  const modelType = raw['model_type'];
  if (modelType !== undefined && modelType !== 'clip_text_model') {
    fail(`model_type ${quote(modelType)} is not supported; allowed: "clip_text_model" (a CLIP text encoder's own config.json)`, 'model_type');
  }
  const prunedHeads = raw['pruned_heads'];
  if (prunedHeads !== undefined && prunedHeads !== null && !(isObject(prunedHeads) && Object.keys(prunedHeads).length === 0)) {
    fail(`pruned_heads ${quote(prunedHeads)} is not supported; allowed: {} (a model with pruned attention heads)`, 'pruned_heads');
  }
  const boundedInt = (key: keyof typeof LIMITS) => read.int(key, 1, LIMITS[key]);

  const hiddenSize = boundedInt('hidden_size');
  const numAttentionHeads = boundedInt('num_attention_heads');
  if (hiddenSize % numAttentionHeads !== 0) {
    fail(`hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numAttentionHeads}`, 'num_attention_heads');
  }
  const vocabSize = boundedInt('vocab_size');
  const eosTokenId = read.int('eos_token_id', 0, LIMITS.vocab_size);
  if (eosTokenId >= vocabSize) fail(`eos_token_id ${eosTokenId} must be < vocab_size ${vocabSize}`, 'eos_token_id');
  for (const key of ['attention_dropout', 'dropout'] as const) {
    const p = read.number(key);
    if (!(p >= 0 && p < 1)) fail(`${key} ${p} must be a number in [0, 1) (inert at inference)`, key);
  }
  read.number('initializer_range');
  read.number('initializer_factor');
  const layerNormEps = read.positiveNumber('layer_norm_eps');
  if (layerNormEps > 1) fail(`layer_norm_eps ${layerNormEps} must be in (0, 1]`, 'layer_norm_eps');

  return {
    architecture: readArchitecture(raw['architectures'], fail),
    vocabSize,
    hiddenSize,
    intermediateSize: boundedInt('intermediate_size'),
    projectionDim: boundedInt('projection_dim'),
    numHiddenLayers: boundedInt('num_hidden_layers'),
    numAttentionHeads,
    maxPositionEmbeddings: boundedInt('max_position_embeddings'),
    hiddenAct: read.choice('hidden_act', CLIP_HIDDEN_ACTS),
    layerNormEps,
    bosTokenId: read.optionalInt('bos_token_id', 0, LIMITS.vocab_size),
    eosTokenId,
    padTokenId: read.optionalInt('pad_token_id', 0, LIMITS.vocab_size),
  };
}

function readArchitecture(value: unknown, fail: (reason: string, key?: string) => never): ClipTextArchitecture | undefined {
  if (value === undefined || value === null) return undefined;
  const allowed = CLIP_TEXT_ARCHITECTURES.map((a) => `["${a}"]`).join(', ');
  if (!Array.isArray(value) || value.length !== 1 || !CLIP_TEXT_ARCHITECTURES.includes(value[0] as ClipTextArchitecture)) {
    return fail(`architectures ${quote(value)} is not supported; allowed: ${allowed}`, 'architectures');
  }
  return value[0] as ClipTextArchitecture;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
