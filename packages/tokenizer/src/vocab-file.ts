// vocab.json: a JSON object from BPE token (byte-level symbols, "</w>" marking a word's end) to its id.
import { TokenizerFilesError, quoted } from './tokenizer-files-error.js';

/**
 * Largest token id accepted, in vocab.json and in tokenizer_config.json's added_tokens_decoder alike: both kinds of id
 * index the same embedding table (CLIP's has 49,408 rows), so one plausibility limit serves both.
 */
export const MAX_TOKEN_ID = 16_777_215;

/** The parsed vocabulary: token -> id, ids unique non-negative integers. */
export function parseVocab(text: string, file: string): Map<string, number> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TokenizerFilesError(file, undefined, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TokenizerFilesError(file, undefined, `expected an object from token to id, got ${quoted(json)}`);
  }
  const vocab = new Map<string, number>();
  const tokenOfId = new Map<number, string>();
  for (const [token, id] of Object.entries(json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
      throw new TokenizerFilesError(file, quoted(token), `the id must be an integer in [0, ${MAX_TOKEN_ID}], got ${quoted(id)}`);
    }
    const other = tokenOfId.get(id);
    if (other !== undefined) throw new TokenizerFilesError(file, quoted(token), `id ${id} is also the id of ${quoted(other)}: ids must be unique`);
    if (token.length === 0) throw new TokenizerFilesError(file, '""', 'the empty string is not a token');
    tokenOfId.set(id, token);
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerFilesError(file, undefined, 'the vocabulary is empty');
  return vocab;
}
