import type { PromptEncoding } from '@denoise/diffusers';
import { InputError, type TextEmbeddings } from '@denoise/sampler';
import type { ClipTokenizer } from '@denoise/tokenizer';
import type { TextEncoderLayer, TextEncoderSession } from './text-encoder-session.js';
import type { TokenizedPrompts } from './tokenized-prompts.js';

/** One text encoder and the tokenizer that feeds it. */
export interface PromptEncoderPart {
  readonly tokenizer: ClipTokenizer;
  readonly session: TextEncoderSession;
}

/** Whether the rows are prompts or negative prompts: diffusers encodes them differently (clip_skip, SDXL's zeros). */
export type PromptRole = 'prompt' | 'negative';

/**
 * The prompt side of a pipeline, as diffusers' `encode_prompt`: tokenizers and text encoders → the UNet's text rows.
 * - 'sd' (StableDiffusionPipeline, LatentConsistencyModelPipeline): one encoder. Prompts are conditioned on
 *   last_hidden_state, or with clip_skip k on hidden_states[−(k + 1)] through the final layer norm. Negative prompts
 *   always on last_hidden_state: diffusers applies clip_skip to the prompts only. A missing negative prompt is ''.
 * - 'sdxl' (StableDiffusionXLPipeline): every encoder's hidden_states[−(k + 2)] without the final norm (k = clip_skip,
 *   0 when not given), concatenated along the width in encoder order, and the last encoder's pooled text_embeds.
 *   Negative prompts always take hidden_states[−2]. A missing negative prompt is a row of zeros (embeddings and
 *   pooled) under force_zeros_for_empty_prompt, else ''.
 * The same text goes to every tokenizer (diffusers' prompt_2 defaults to prompt).
 */
export class PromptEncoder {
  constructor(
    private readonly parts: readonly PromptEncoderPart[],
    private readonly encoding: PromptEncoding,
    private readonly zerosForMissingNegative: boolean,
  ) {
    if (parts.length === 0) throw new RangeError('a prompt encoder needs a text encoder');
    if (encoding === 'sd' && parts.length !== 1) throw new RangeError(`Stable Diffusion encodes prompts with one text encoder, got ${parts.length}`);
    const lengths = new Set(parts.map((p) => p.tokenizer.modelMaxLength));
    if (lengths.size !== 1) throw new RangeError(`the tokenizers pad to different lengths (${[...lengths].join(', ')}); their hidden states cannot be concatenated`);
    if (encoding === 'sdxl' && parts.at(-1)!.session.projectionDim === undefined) {
      throw new RangeError('SDXL takes its pooled embedding from the last text encoder, which must be a CLIPTextModelWithProjection');
    }
  }

  /** The tokenizers' length (model_max_length, 77). */
  get maxTokens(): number {
    return this.parts[0]!.tokenizer.modelMaxLength;
  }

  /** The fewest layers of the encoders: clip_skip must be below it. */
  get layers(): number {
    return Math.min(...this.parts.map((p) => p.session.layers));
  }

  /** The width of the text rows: the encoders' hidden sizes, summed. */
  get width(): number {
    return this.parts.reduce((sum, p) => sum + p.session.width, 0);
  }

  /** The pooled embedding's width (SDXL), or undefined. */
  get pooledWidth(): number | undefined {
    return this.encoding === 'sdxl' ? this.parts.at(-1)!.session.projectionDim : undefined;
  }

  /** The first tokenizer's ids (for truncation notes: every tokenizer cuts the same BPE tokens). */
  tokenize(prompts: readonly string[]): TokenizedPrompts {
    return tokenize(this.parts[0]!.tokenizer, prompts);
  }

  async encode(prompts: readonly (string | null)[], role: PromptRole, clipSkip?: number): Promise<TextEmbeddings> {
    assertClipSkip(clipSkip, this.layers);
    const rows = prompts.length;
    const tokens = this.maxTokens;
    const zeroRows = prompts.map((p) => p === null && role === 'negative' && this.zerosForMissingNegative);
    const texts = prompts.map((p) => p ?? '');
    const outputs: TextEmbeddings[] = [];
    if (zeroRows.every(Boolean)) {
      // diffusers does not run the encoders at all; neither does this.
      const pooledWidth = this.pooledWidth;
      return { data: new Float32Array(rows * tokens * this.width), rows, tokens, width: this.width, ...(pooledWidth ? { pooled: { data: new Float32Array(rows * pooledWidth), width: pooledWidth } } : {}) };
    }
    for (const [i, part] of this.parts.entries()) {
      const { ids } = tokenize(part.tokenizer, texts);
      const pooled = this.encoding === 'sdxl' && i === this.parts.length - 1;
      outputs.push(await part.session.encode(ids, rows, tokens, this.layer(part.session.layers, role, clipSkip), { pooled }));
    }
    const text = outputs.length === 1 ? outputs[0]! : concatenateWidths(outputs);
    if (zeroRows.some(Boolean)) zeroOut(text, zeroRows);
    return text;
  }

  private layer(layers: number, role: PromptRole, clipSkip: number | undefined): TextEncoderLayer {
    const skip = role === 'prompt' ? clipSkip : undefined;
    if (this.encoding === 'sdxl') return { kind: 'hidden_states', index: layers - 1 - (skip ?? 0), finalNorm: false };
    return skip ? { kind: 'hidden_states', index: layers - skip, finalNorm: true } : { kind: 'last_hidden_state' };
  }
}

function tokenize(tokenizer: ClipTokenizer, prompts: readonly string[]): TokenizedPrompts {
  const tokens = tokenizer.modelMaxLength;
  const ids = new Int32Array(prompts.length * tokens);
  const truncatedTokens = prompts.map((prompt, row) => {
    const encoded = tokenizer.encode(prompt);
    ids.set(encoded.inputIds, row * tokens);
    return Math.max(0, encoded.untruncatedLength - tokens);
  });
  return { ids, rows: prompts.length, tokens, truncatedTokens };
}

/** torch.concat(hidden states, dim=−1): each token's vectors side by side, in encoder order; the last one's pooled. */
function concatenateWidths(outputs: readonly TextEmbeddings[]): TextEmbeddings {
  const { rows, tokens } = outputs[0]!;
  const width = outputs.reduce((sum, o) => sum + o.width, 0);
  const data = new Float32Array(rows * tokens * width);
  for (let position = 0; position < rows * tokens; position++) {
    let offset = position * width;
    for (const o of outputs) {
      data.set(o.data.subarray(position * o.width, (position + 1) * o.width), offset);
      offset += o.width;
    }
  }
  const pooled = outputs.at(-1)!.pooled;
  return { data, rows, tokens, width, ...(pooled ? { pooled } : {}) };
}

function zeroOut(text: TextEmbeddings, rows: readonly boolean[]): void {
  const perRow = text.tokens * text.width;
  rows.forEach((zero, row) => {
    if (!zero) return;
    text.data.fill(0, row * perRow, (row + 1) * perRow);
    text.pooled?.data.fill(0, row * text.pooled.width, (row + 1) * text.pooled.width);
  });
}

/** clip skip k takes hidden state −(k + 1): it must leave a layer of a `layers`-layer text encoder. */
export function assertClipSkip(clipSkip: number | undefined, layers: number): void {
  if (clipSkip !== undefined && !(Number.isInteger(clipSkip) && clipSkip >= 0 && clipSkip < layers)) {
    throw new InputError('clipSkip', clipSkip, `an integer in [0, ${layers - 1}]`, `clip skip ${clipSkip} must be an integer in [0, ${layers - 1}] (the text encoder has ${layers} layers)`);
  }
}
