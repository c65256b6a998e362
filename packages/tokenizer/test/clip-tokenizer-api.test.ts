/** ClipTokenizer's edges: what a caller passes, and how fromContents names the files in its errors. */
import { describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../src/clip-tokenizer.js';
import { TokenizerFilesError } from '../src/tokenizer-files-error.js';
import { referenceTokenizer, sd1TokenizerFile } from './fixtures.js';

describe('ClipTokenizer', () => {
  it('a prompt that is not a string is a TypeError, not a file error', async () => {
    const tokenizer = await referenceTokenizer('sd1-tiny');
    expect(() => tokenizer.tokenize(undefined as unknown as string)).toThrow(TypeError);
    expect(() => tokenizer.encode(42 as unknown as string)).toThrow(/prompt must be a string, got number/);
  });

  it('fromContents rejects a files key it does not know', () => {
    const files = { vocab: '{}', merges: '#version: 0.2', tokenizer_config: '{}' };
    expect(() => ClipTokenizer.fromContents(files as never)).toThrow(/files\.tokenizer_config is not a tokenizer file/);
  });

  it('fromContents names the files under its source label', () => {
    const merges = sd1TokenizerFile('merges.txt');
    try {
      ClipTokenizer.fromContents({ vocab: sd1TokenizerFile('vocab.json'), merges, specialTokensMap: '{"pad_token": 7}' }, 'models/sd/tokenizer');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TokenizerFilesError);
      expect((error as TokenizerFilesError).file).toBe('models/sd/tokenizer/special_tokens_map.json');
      expect((error as TokenizerFilesError).message).toMatch(/\(pad_token\): expected a token string or an AddedToken object, got 7/);
    }
  });

  it('the ids of the empty prompt: bos, eos, then padding', async () => {
    const tokenizer = await referenceTokenizer('sd2-tiny');
    expect(tokenizer.tokenize('')).toEqual([49406, 49407]);
    expect([...tokenizer.encode(' \n\t ').inputIds.subarray(0, 4)]).toEqual([49406, 49407, 0, 0]);
  });
});
