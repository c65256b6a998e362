// Its own module so that the public declarations (index.d.ts → load-pipeline.d.ts) never reach the text encoder
// session, which holds an onnxruntime session (test/public-api-no-onnxruntime-types.test.ts).

/** Token ids of prompts, padded to the tokenizer's length, with what truncation cut. */
export interface TokenizedPrompts {
  readonly ids: Int32Array;
  readonly rows: number;
  readonly tokens: number;
  /** Per prompt: tokens beyond the limit that were cut (0 when the prompt fits). */
  readonly truncatedTokens: readonly number[];
}
