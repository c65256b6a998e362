// The one module that reads files: a tokenizer folder (diffusers' `tokenizer/`, `tokenizer_2/`) into a ClipTokenizer.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClipTokenizer } from './clip-tokenizer.js';
import { TOKENIZER_FILE_MAX_BYTES, TOKENIZER_FILE_NAMES, type ClipTokenizerFiles } from './tokenizer-files.js';
import { TokenizerFilesError } from './tokenizer-files-error.js';

/**
 * Files that change the added tokens of transformers' slow tokenizer when present (legacy added_tokens.json, and a
 * fast tokenizer's tokenizer.json whose `added_tokens` it reads for legacy configs). This tokenizer does not read
 * them, so a folder holding one is refused rather than tokenized differently.
 */
const UNSUPPORTED_FILES = ['added_tokens.json', 'tokenizer.json'] as const;

/** Reads vocab.json, merges.txt and, where present, tokenizer_config.json and special_tokens_map.json. */
export async function readClipTokenizer(folder: string): Promise<ClipTokenizer> {
  const files: { -readonly [K in keyof ClipTokenizerFiles]?: string } = {};
  for (const key of Object.keys(TOKENIZER_FILE_NAMES) as (keyof ClipTokenizerFiles)[]) {
    const path = join(folder, TOKENIZER_FILE_NAMES[key]);
    const text = await readBudgeted(path, TOKENIZER_FILE_MAX_BYTES[key], key === 'vocab' || key === 'merges');
    if (text !== undefined) files[key] = text;
  }
  for (const name of UNSUPPORTED_FILES) {
    if ((await statOrUndefined(join(folder, name)))?.isFile()) {
      throw new TokenizerFilesError(join(folder, name), undefined, 'is not supported: transformers would take added tokens from it, this tokenizer reads only the four CLIP files');
    }
  }
  return ClipTokenizer.fromContents(files as ClipTokenizerFiles, folder);
}

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenizerFilesError(path, undefined, `cannot be read (${(error as Error).message})`, { cause: error });
  }
}

/** The file's text, refusing it unread when it is over `maxBytes`; undefined when an optional file is missing. */
async function readBudgeted(path: string, maxBytes: number, required: boolean): Promise<string | undefined> {
  const info = await statOrUndefined(path);
  if (info === undefined) {
    if (required) throw new TokenizerFilesError(path, undefined, 'missing: a CLIP tokenizer needs vocab.json and merges.txt');
    return undefined;
  }
  if (!info.isFile()) throw new TokenizerFilesError(path, undefined, 'is not a file');
  if (info.size > maxBytes) throw new TokenizerFilesError(path, undefined, `${info.size} bytes is over the ${maxBytes / (1024 * 1024)} MiB this file may have`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TokenizerFilesError(path, undefined, `cannot be read (${(error as Error).message})`, { cause: error });
  }
  // transformers opens the files with encoding="utf-8": invalid UTF-8 is an error there, not U+FFFD.
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new TokenizerFilesError(path, undefined, 'is not valid UTF-8', { cause: error });
  }
}
