import * as ort from 'onnxruntime-node';
import type { TextEmbeddings } from '@denoise/sampler';

/**
 * Which hidden state the pipeline takes from the text encoder: the final one (after the final layer norm), or the
 * output of layer `index` (0 is the embeddings, L the last layer) with or without the final layer norm.
 */
export type TextEncoderLayer = { readonly kind: 'last_hidden_state' } | { readonly kind: 'hidden_states'; readonly index: number; readonly finalNorm: boolean };

/**
 * A CLIP text encoder's session: token ids [rows, tokens] → hidden states [rows, tokens, width] of the layer asked
 * for, and, from a CLIPTextModelWithProjection, the pooled projection text_embeds [rows, projectionDim].
 */
export class TextEncoderSession {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly shape: { readonly width: number; readonly layers: number; readonly projectionDim: number | undefined },
    private readonly path: string,
  ) {}

  get layers(): number {
    return this.shape.layers;
  }

  get width(): number {
    return this.shape.width;
  }

  get projectionDim(): number | undefined {
    return this.shape.projectionDim;
  }

  async encode(ids: Int32Array, rows: number, tokens: number, layer: TextEncoderLayer, options: { readonly pooled?: boolean } = {}): Promise<TextEmbeddings> {
    if (layer.kind === 'hidden_states' && !(Number.isInteger(layer.index) && layer.index >= 0 && layer.index <= this.shape.layers)) {
      throw new RangeError(`${this.path}: hidden state ${layer.index} of a ${this.shape.layers}-layer text encoder (0 … ${this.shape.layers})`);
    }
    const projectionDim = this.shape.projectionDim;
    if (options.pooled && projectionDim === undefined) throw new RangeError(`${this.path}: a CLIPTextModel has no pooled text_embeds (CLIPTextModelWithProjection has)`);
    const inputIds = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [rows, tokens]);
    const name = layer.kind === 'last_hidden_state' ? 'last_hidden_state' : layer.finalNorm ? 'hidden_states_final_norm' : 'hidden_states';
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run({ input_ids: inputIds }, [name, ...(options.pooled ? ['text_embeds'] : [])]);
    } catch (error) {
      throw new Error(`${this.path}: the text encoder failed on ${rows} prompt(s) of ${tokens} tokens: ${(error as Error).message}`, { cause: error });
    }
    const values = result[name]!.data as Float32Array;
    const perLayer = rows * tokens * this.shape.width;
    const data = layer.kind === 'last_hidden_state' ? values.slice() : values.slice(layer.index * perLayer, (layer.index + 1) * perLayer);
    const pooled = options.pooled ? { data: (result['text_embeds']!.data as Float32Array).slice(), width: projectionDim! } : undefined;
    return { data, rows, tokens, width: this.shape.width, ...(pooled ? { pooled } : {}) };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
