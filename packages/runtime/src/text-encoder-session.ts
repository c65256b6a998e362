import * as ort from 'onnxruntime-node';
import type { TextEmbeddings } from '@denoise/sampler';

/** What the pipeline takes from the text encoder: the final hidden state, or (clip_skip k) an earlier layer's, normed. */
export type TextEncoderOutput = { readonly kind: 'last_hidden_state' } | { readonly kind: 'clip_skip'; readonly layers: number };

/**
 * The CLIP text encoder's session: token ids [rows, tokens] → hidden states [rows, tokens, width]. With clip_skip k,
 * diffusers takes hidden_states[−(k + 1)] and applies the final layer norm: the graph's hidden_states_final_norm at
 * index L − k.
 */
export class TextEncoderSession {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly shape: { readonly width: number; readonly layers: number },
    private readonly path: string,
  ) {}

  get layers(): number {
    return this.shape.layers;
  }

  async encode(ids: Int32Array, rows: number, tokens: number, output: TextEncoderOutput): Promise<TextEmbeddings> {
    const inputIds = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [rows, tokens]);
    const name = output.kind === 'last_hidden_state' ? 'last_hidden_state' : 'hidden_states_final_norm';
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run({ input_ids: inputIds }, [name]);
    } catch (error) {
      throw new Error(`${this.path}: the text encoder failed on ${rows} prompt(s) of ${tokens} tokens: ${(error as Error).message}`, { cause: error });
    }
    const values = result[name]!.data as Float32Array;
    const perRow = tokens * this.shape.width;
    if (output.kind === 'last_hidden_state') return { data: values.slice(), rows, tokens, width: this.shape.width };
    const layer = this.shape.layers - output.layers;
    return { data: values.slice(layer * rows * perRow, (layer + 1) * rows * perRow), rows, tokens, width: this.shape.width };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
