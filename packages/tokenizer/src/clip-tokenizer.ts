// transformers 4.57's slow CLIPTokenizer, as diffusers' Stable Diffusion pipelines call it:
// `tokenizer(prompt, padding="max_length", max_length=tokenizer.model_max_length, truncation=True).input_ids`.
import { splitOnAddedTokens } from './added-token-split.js';
import { BytePairEncoder } from './bpe.js';
import { byteEncode } from './byte-unicode.js';
import { clipWords, normalizeClipText } from './clip-pre-tokenize.js';
import { parseTokenizerFiles, type ClipTokenizerFiles } from './tokenizer-files.js';

/** A prompt as the text encoder takes it. */
export interface ClipEncoding {
  /** modelMaxLength ids: bos, the prompt's tokens (cut to modelMaxLength - 2), eos, then the pad id. */
  readonly inputIds: Int32Array;
  /** Whether the prompt had more tokens than fit (untruncatedLength > modelMaxLength). */
  readonly truncated: boolean;
  /** The length of `tokenize(prompt)`: bos and eos included, no padding, no truncation. */
  readonly untruncatedLength: number;
}

export class ClipTokenizer {
  readonly modelMaxLength: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /** The id of a BPE token missing from vocab.json. */
  readonly unkTokenId: number;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly addedTokens: ReadonlyMap<string, number>;
  private readonly addedTokenList: readonly string[];
  private readonly bpe: BytePairEncoder;

  private constructor(files: ClipTokenizerFiles, source: string) {
    const { vocab, mergeRanks, config } = parseTokenizerFiles(files, source);
    this.modelMaxLength = config.modelMaxLength;
    this.bosTokenId = config.bosTokenId;
    this.eosTokenId = config.eosTokenId;
    this.padTokenId = config.padTokenId;
    this.unkTokenId = config.unkTokenId;
    this.vocab = vocab;
    this.addedTokens = config.addedTokens;
    this.addedTokenList = [...config.addedTokens.keys()];
    this.bpe = new BytePairEncoder(mergeRanks);
  }

  /**
   * A tokenizer from the texts of its files. `source` (the folder, or a label) names the files in errors.
   * @throws TokenizerFilesError for files that are malformed, over their size budget, or disagree.
   */
  static fromContents(files: ClipTokenizerFiles, source = 'tokenizer'): ClipTokenizer {
    return new ClipTokenizer(files, source);
  }

  /** The ids of `prompt` with bos and eos, neither padded nor truncated (`tokenizer(prompt).input_ids`). */
  tokenize(prompt: string): number[] {
    if (typeof prompt !== 'string') throw new TypeError(`prompt must be a string, got ${prompt === null ? 'null' : typeof prompt}`);
    const ids = [this.bosTokenId];
    for (const piece of splitOnAddedTokens(prompt, this.addedTokenList)) {
      if (piece.kind === 'added') {
        ids.push(this.addedTokens.get(piece.token)!);
        continue;
      }
      for (const word of clipWords(normalizeClipText(piece.text))) {
        for (const symbol of this.bpe.encode(byteEncode(word))) ids.push(this.idOf(symbol));
      }
    }
    ids.push(this.eosTokenId);
    return ids;
  }

  /** `prompt` padded or truncated to modelMaxLength ids, eos kept last when truncating (diffusers' call). */
  encode(prompt: string): ClipEncoding {
    const ids = this.tokenize(prompt);
    const max = this.modelMaxLength;
    const inputIds = new Int32Array(max).fill(this.padTokenId);
    const content = Math.min(ids.length - 2, max - 2);
    inputIds.set(ids.slice(0, content + 1));
    inputIds[content + 1] = this.eosTokenId;
    return { inputIds, truncated: ids.length > max, untruncatedLength: ids.length };
  }

  /** `convert_tokens_to_ids`: an added token's id, else vocab.json's, else the unknown token's. */
  private idOf(symbol: string): number {
    return this.addedTokens.get(symbol) ?? this.vocab.get(symbol) ?? this.unkTokenId;
  }
}
