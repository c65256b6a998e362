import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readClipTokenizer } from '../src/read-clip-tokenizer.js';
import type { ClipTokenizer } from '../src/clip-tokenizer.js';

/** fixtures/diffusers-sd/<path>: the Stable Diffusion reference folders (see that folder's README). */
export function diffusersSd(path: string): string {
  return fileURLToPath(new URL(`../../../fixtures/diffusers-sd/${path}`, import.meta.url));
}

/** fixtures/tokenizer-oracle/cases.json: outputs of the real ftfy 6.3.1 and CLIPTokenizer (transformers 4.57.6). */
export function oracleCases(): {
  versions: Record<string, string>;
  ftfy: { input: string; fix_text: string; is_bad: boolean }[];
  clip: { prompt: string; sd1_ids: number[]; sd2_ids: number[] }[];
} {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/tokenizer-oracle/cases.json', import.meta.url)), 'utf8'));
}

const loaded = new Map<string, Promise<ClipTokenizer>>();

/** The tokenizer of sd1-tiny (SD 1.5's files, pad <|endoftext|>) or sd2-tiny (SD 2.1-base's, pad "!"), read once. */
export function referenceTokenizer(folder: 'sd1-tiny' | 'sd2-tiny'): Promise<ClipTokenizer> {
  let tokenizer = loaded.get(folder);
  if (tokenizer === undefined) {
    tokenizer = readClipTokenizer(diffusersSd(`${folder}/tokenizer`));
    loaded.set(folder, tokenizer);
  }
  return tokenizer;
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'denoise-tokenizer-'));
}

/** The text of one of sd1-tiny's tokenizer files. */
export function sd1TokenizerFile(name: string): string {
  return readFileSync(diffusersSd(`sd1-tiny/tokenizer/${name}`), 'utf8');
}
