// The four files of a diffusers `tokenizer/` folder, parsed and checked together: vocab.json and merges.txt (the
// BPE model), tokenizer_config.json and special_tokens_map.json (special tokens, context length). Each file has a
// size budget, checked before parsing (and by the folder reader before reading).
import { parseMerges } from './merges-file.js';
import { resolveTokenizerConfig, type ResolvedTokenizerConfig } from './tokenizer-config.js';
import { TokenizerFilesError, quoted } from './tokenizer-files-error.js';
import { parseVocab } from './vocab-file.js';

/** The contents of a tokenizer folder's files; the two JSON configs are optional, as for transformers. */
export interface ClipTokenizerFiles {
  readonly vocab: string;
  readonly merges: string;
  readonly tokenizerConfig?: string;
  readonly specialTokensMap?: string;
}

/** Each file's name in the folder, by its ClipTokenizerFiles key. */
export const TOKENIZER_FILE_NAMES = {
  vocab: 'vocab.json',
  merges: 'merges.txt',
  tokenizerConfig: 'tokenizer_config.json',
  specialTokensMap: 'special_tokens_map.json',
} as const satisfies Record<keyof ClipTokenizerFiles, string>;

const MiB = 1024 * 1024;
/** The largest size accepted per file, in bytes (CLIP's vocab.json is 1.6 MiB, its merges.txt 0.5 MiB). */
export const TOKENIZER_FILE_MAX_BYTES = {
  vocab: 64 * MiB,
  merges: 64 * MiB,
  tokenizerConfig: 1 * MiB,
  specialTokensMap: 1 * MiB,
} as const satisfies Record<keyof ClipTokenizerFiles, number>;

export interface ParsedTokenizerFiles {
  readonly vocab: ReadonlyMap<string, number>;
  readonly mergeRanks: ReadonlyMap<string, number>;
  readonly config: ResolvedTokenizerConfig;
}

/** Parses and cross-checks the files; `source` (a folder path, or a label) prefixes the file names in errors. */
export function parseTokenizerFiles(files: ClipTokenizerFiles, source: string): ParsedTokenizerFiles {
  const fileOf = (key: keyof ClipTokenizerFiles): string => `${source}/${TOKENIZER_FILE_NAMES[key]}`;
  for (const key of Object.keys(files)) {
    if (!Object.hasOwn(TOKENIZER_FILE_NAMES, key)) throw new TypeError(`files.${key} is not a tokenizer file (expected ${Object.keys(TOKENIZER_FILE_NAMES).join(', ')})`);
  }
  for (const key of Object.keys(TOKENIZER_FILE_NAMES) as (keyof ClipTokenizerFiles)[]) {
    const text = files[key];
    if (text === undefined) {
      if (key === 'vocab' || key === 'merges') throw new TokenizerFilesError(fileOf(key), undefined, 'missing: a CLIP tokenizer needs vocab.json and merges.txt');
      continue;
    }
    if (typeof text !== 'string') throw new TokenizerFilesError(fileOf(key), undefined, `expected the file's text, got ${quoted(text)}`);
    // A string of n UTF-16 units is at least n bytes in UTF-8, so this never refuses a file within its budget.
    if (text.length > TOKENIZER_FILE_MAX_BYTES[key]) {
      throw new TokenizerFilesError(fileOf(key), undefined, `${text.length} characters is over the ${TOKENIZER_FILE_MAX_BYTES[key] / MiB} MiB this file may have`);
    }
  }
  const vocab = parseVocab(files.vocab, fileOf('vocab'));
  const mergeRanks = parseMerges(files.merges, fileOf('merges'), vocab);
  const jsonObject = (key: 'tokenizerConfig' | 'specialTokensMap'): { json: Record<string, unknown>; file: string } | undefined => {
    const text = files[key];
    return text === undefined ? undefined : { json: parseJsonObject(text, fileOf(key)), file: fileOf(key) };
  };
  const config = jsonObject('tokenizerConfig');
  const specialTokensMap = jsonObject('specialTokensMap');
  return {
    vocab,
    mergeRanks,
    config: resolveTokenizerConfig({ vocab, ...(config ? { config } : {}), ...(specialTokensMap ? { specialTokensMap } : {}) }),
  };
}

function parseJsonObject(text: string, file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TokenizerFilesError(file, undefined, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TokenizerFilesError(file, undefined, `expected a JSON object, got ${quoted(json)}`);
  return json as Record<string, unknown>;
}
