/**
 * Folders readClipTokenizer refuses, each with a TokenizerFilesError that names the file and the key or line, and
 * never quotes a long value whole. Real folders in a temporary directory: SD 1.5's four files, one of them altered.
 */
import { copyFileSync, mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readClipTokenizer } from '../src/read-clip-tokenizer.js';
import { TokenizerFilesError } from '../src/tokenizer-files-error.js';
import { diffusersSd, scratchDir, sd1TokenizerFile } from './fixtures.js';

const root = scratchDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));
const FILES = ['vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json'] as const;
type FileName = (typeof FILES)[number];

let folders = 0;
/** A copy of sd1-tiny/tokenizer with some files replaced (null: deleted; a Uint8Array: written as bytes). */
function folderWith(changes: Partial<Record<FileName | 'added_tokens.json', string | Uint8Array | null>>): string {
  const folder = join(root, `case-${folders++}`);
  mkdirSync(folder);
  for (const name of FILES) if (!(name in changes)) copyFileSync(diffusersSd(`sd1-tiny/tokenizer/${name}`), join(folder, name));
  for (const [name, content] of Object.entries(changes)) if (content !== null && content !== undefined) writeFileSync(join(folder, name), content);
  return folder;
}

const vocab = (): Record<string, unknown> => JSON.parse(sd1TokenizerFile('vocab.json'));
const config = (): Record<string, unknown> => JSON.parse(sd1TokenizerFile('tokenizer_config.json'));
const map = (): Record<string, unknown> => JSON.parse(sd1TokenizerFile('special_tokens_map.json'));
const mergeLines = (): string[] => sd1TokenizerFile('merges.txt').split('\n');

async function refusal(folder: string): Promise<TokenizerFilesError> {
  try {
    await readClipTokenizer(folder);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerFilesError);
    const e = error as TokenizerFilesError;
    expect(e.message.length).toBeLessThan(400);
    return e;
  }
  throw new Error(`${folder} was accepted`);
}

describe('readClipTokenizer refuses, naming the file', () => {
  it.each([
    ['vocab.json', /missing/],
    ['merges.txt', /missing/],
  ] as const)('a folder without %s', async (name, reason) => {
    const e = await refusal(folderWith({ [name]: null }));
    expect(e.file).toBe(join(root, `case-${folders - 1}`, name));
    expect(e.message).toMatch(reason);
  });

  it.each<[string, Partial<Record<FileName | 'added_tokens.json', string | Uint8Array>>, FileName | 'added_tokens.json', string | undefined, RegExp]>([
    ['vocab.json that is not JSON', { 'vocab.json': '{"a": 1,' }, 'vocab.json', undefined, /not valid JSON/],
    ['vocab.json that is a list', { 'vocab.json': '["a", "b"]' }, 'vocab.json', undefined, /an array of 2 items/],
    ['a vocab.json id that is not an integer', { 'vocab.json': JSON.stringify({ ...vocab(), 'hello</w>': 1.5 }) }, 'vocab.json', '"hello</w>"', /integer.*1\.5/],
    ['two tokens with one id', { 'vocab.json': JSON.stringify({ ...vocab(), 'zzz-extra</w>': 320 }) }, 'vocab.json', '"zzz-extra</w>"', /id 320 is also the id of "a<\/w>"/],
    ['a merges.txt without its #version header', { 'merges.txt': mergeLines().slice(1).join('\n') }, 'merges.txt', 'line 1', /#version/],
    ['a merges.txt line of three symbols', { 'merges.txt': [...mergeLines().slice(0, 2), 'a b c', ...mergeLines().slice(3)].join('\n') }, 'merges.txt', 'line 3', /two symbols.*"a b c"/],
    ['a merges.txt line of one symbol', { 'merges.txt': [...mergeLines().slice(0, 5), 'ab', ...mergeLines().slice(6)].join('\n') }, 'merges.txt', 'line 6', /two symbols/],
    ['a merge listed twice', { 'merges.txt': [...mergeLines().slice(0, 3), mergeLines()[1], ...mergeLines().slice(4)].join('\n') }, 'merges.txt', 'line 4', /listed twice/],
    ['a merge whose result is not in vocab.json', { 'merges.txt': [...mergeLines().slice(0, 2), 'q z', ...mergeLines().slice(3)].join('\n') }, 'merges.txt', 'line 3', /"qz", which is not in vocab\.json/],
    ['a pad token missing from the vocabulary', { 'special_tokens_map.json': JSON.stringify({ ...map(), pad_token: '<pad>' }) }, 'special_tokens_map.json', 'pad_token', /"<pad>" is neither in vocab\.json/],
    ['a null pad token', { 'special_tokens_map.json': JSON.stringify({ ...map(), pad_token: null }) }, 'special_tokens_map.json', 'pad_token', /null/],
    ['bos tokens that disagree', { 'special_tokens_map.json': JSON.stringify({ ...map(), bos_token: '<s>' }) }, 'tokenizer_config.json', 'bos_token', /"<\|startoftext\|>" disagrees with .*special_tokens_map\.json's "<s>"/],
    ['eos tokens that disagree', { 'tokenizer_config.json': JSON.stringify({ ...config(), eos_token: '</s>' }) }, 'tokenizer_config.json', 'eos_token', /"<\/s>" disagrees/],
    ["transformers' no-limit model_max_length", { 'tokenizer_config.json': JSON.stringify({ ...config(), model_max_length: 1e30 }) }, 'tokenizer_config.json', 'model_max_length', /\[2, 4096\].*1e\+30/],
    ['another tokenizer class', { 'tokenizer_config.json': JSON.stringify({ ...config(), tokenizer_class: 'T5Tokenizer' }) }, 'tokenizer_config.json', 'tokenizer_class', /"T5Tokenizer" is not a CLIP tokenizer/],
    ['an lstrip special token', { 'special_tokens_map.json': JSON.stringify({ ...map(), eos_token: { content: '<|endoftext|>', lstrip: true } }) }, 'special_tokens_map.json', 'eos_token.lstrip', /not supported/],
    ['left padding', { 'tokenizer_config.json': JSON.stringify({ ...config(), padding_side: 'left' }) }, 'tokenizer_config.json', 'padding_side', /"left" is not supported/],
    ['split_special_tokens', { 'tokenizer_config.json': JSON.stringify({ ...config(), split_special_tokens: true }) }, 'tokenizer_config.json', 'split_special_tokens', /not supported/],
    ['an added_tokens_decoder id that disagrees with vocab.json', { 'tokenizer_config.json': JSON.stringify({ ...config(), added_tokens_decoder: { 49400: { content: '<|endoftext|>' } } }) }, 'tokenizer_config.json', 'added_tokens_decoder.49400', /has id 49407 in vocab\.json/],
    ['an added_tokens_decoder id over the limit vocab.json ids have', { 'tokenizer_config.json': JSON.stringify({ ...config(), added_tokens_decoder: { 16777216: { content: '<x>' } } }) }, 'tokenizer_config.json', 'added_tokens_decoder.16777216', /the id must be an integer in \[0, 16777215\], got "16777216"/],
    ['a vocab.json id over the limit', { 'vocab.json': JSON.stringify({ ...vocab(), 'zzz-extra</w>': 16777216 }) }, 'vocab.json', '"zzz-extra</w>"', /the id must be an integer in \[0, 16777215\], got 16777216/],
    ['an added_tokens.json beside the four files', { 'added_tokens.json': '{"<x>": 49408}' }, 'added_tokens.json', undefined, /not supported/],
    ['a merges.txt that is not UTF-8', { 'merges.txt': Uint8Array.from([0x23, 0x76, 0xff, 0x0a]) }, 'merges.txt', undefined, /not valid UTF-8/],
  ])('%s', async (_what, changes, file, key, reason) => {
    const e = await refusal(folderWith(changes));
    expect(e.file.endsWith(`/${file}`)).toBe(true);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(reason);
  });

  it('a long token is quoted cut to 80 characters, not whole', async () => {
    const token = `${'x'.repeat(5000)}</w>`;
    const e = await refusal(folderWith({ 'vocab.json': JSON.stringify({ ...vocab(), [token]: -1 }) }));
    expect(e.message).toContain('(5004 characters)');
    expect(e.message).not.toContain('x'.repeat(81));
  });

  it('a vocab.json over 64 MiB is refused before it is read', async () => {
    const folder = folderWith({});
    truncateSync(join(folder, 'vocab.json'), 64 * 1024 * 1024 + 1); // sparse: nothing is written
    const e = await refusal(folder);
    expect(e.file).toBe(join(folder, 'vocab.json'));
    expect(e.message).toMatch(/67108865 bytes is over the 64 MiB/);
  });
});
