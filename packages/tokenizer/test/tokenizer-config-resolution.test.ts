/**
 * How tokenizer_config.json and special_tokens_map.json decide the special tokens, as transformers 4.57's
 * from_pretrained does (the expectations of the modern-files case were checked against it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../src/clip-tokenizer.js';
import { diffusersSd, sd1TokenizerFile } from './fixtures.js';

const vocab = sd1TokenizerFile('vocab.json');
const merges = sd1TokenizerFile('merges.txt');
const json = (path: string): Record<string, any> => JSON.parse(readFileSync(diffusersSd(path), 'utf8'));
const text = (value: unknown): string => JSON.stringify(value);
/** SD 1.5's, SD 2.1-base's and LCM_Dreamshaper_v7's published files (the last has added_tokens_decoder). */
const sd15Config = json('published/runwayml--stable-diffusion-v1-5/tokenizer/tokenizer_config.json');
const sd21Map = json('published/stabilityai--stable-diffusion-2-1-base/tokenizer/special_tokens_map.json');
const sd21Config = json('published/stabilityai--stable-diffusion-2-1-base/tokenizer/tokenizer_config.json');
const lcmConfig = json('published/SimianLuo--LCM_Dreamshaper_v7/tokenizer/tokenizer_config.json');

describe('special tokens and context length', () => {
  it('legacy files: special_tokens_map.json wins, so SD 2.1 pads with "!" (0) although its tokenizer_config.json says <|endoftext|>', () => {
    expect(sd21Config.pad_token).toBe('<|endoftext|>');
    const tokenizer = ClipTokenizer.fromContents({ vocab, merges, tokenizerConfig: text(sd21Config), specialTokensMap: text(sd21Map) });
    expect([tokenizer.bosTokenId, tokenizer.eosTokenId, tokenizer.padTokenId, tokenizer.unkTokenId, tokenizer.modelMaxLength]).toEqual([49406, 49407, 0, 49407, 77]);
    // Without the map, the config's pad token is used.
    expect(ClipTokenizer.fromContents({ vocab, merges, tokenizerConfig: text(sd21Config) }).padTokenId).toBe(49407);
  });

  it('files with added_tokens_decoder: special_tokens_map.json is not read (its "!" pad is ignored)', () => {
    expect(Object.keys(lcmConfig.added_tokens_decoder)).toEqual(['49406', '49407']);
    const tokenizer = ClipTokenizer.fromContents({ vocab, merges, tokenizerConfig: text(lcmConfig), specialTokensMap: text(sd21Map) });
    expect(tokenizer.padTokenId).toBe(49407);
  });

  it('an added_tokens_decoder token beyond the vocabulary (a textual-inversion token) splits the prompt, case-sensitively', () => {
    const config = { ...lcmConfig, added_tokens_decoder: { ...lcmConfig.added_tokens_decoder, 49408: { content: '<cat-toy>', lstrip: false, normalized: true, rstrip: false, single_word: false, special: false } } };
    const tokenizer = ClipTokenizer.fromContents({ vocab, merges, tokenizerConfig: text(config) });
    expect(tokenizer.tokenize('a <cat-toy> on the beach!')).toEqual([49406, 320, 49408, 525, 518, 2117, 256, 49407]);
    expect(tokenizer.tokenize('x<cat-toy>y')).toEqual([49406, 343, 49408, 344, 49407]);
    expect(tokenizer.tokenize('A <CAT-TOY>')).toEqual([49406, 320, 283, 2368, 268, 5988, 285, 49407]);
  });

  it('overlapping added tokens are cut leftmost first, longest first (as transformers\' trie cuts them)', () => {
    const specialTokensMap = text({ ...json('sd1-tiny/tokenizer/special_tokens_map.json'), additional_special_tokens: ['the', 'then', 'hen', 'he', 'en', 'ther', 'there', 'her', 'ere', 'th'] });
    const tokenizer = ClipTokenizer.fromContents({ vocab, merges, tokenizerConfig: sd1TokenizerFile('tokenizer_config.json'), specialTokensMap });
    expect(tokenizer.tokenize('thenhere')).toEqual([49406, 5929, 1223, 324, 49407]); // then | her | e</w>
    expect(tokenizer.tokenize('athere then')).toEqual([49406, 320, 5283, 5929, 49407]);
    expect(tokenizer.tokenize('hthen')).toEqual([49406, 327, 5929, 49407]);
    expect(tokenizer.tokenize('therether')).toEqual([49406, 5283, 1160, 49407]); // there | ther
  });

  it("without the JSON files: CLIPTokenizer's defaults and CLIP's 77 tokens", () => {
    const tokenizer = ClipTokenizer.fromContents({ vocab, merges });
    expect([tokenizer.bosTokenId, tokenizer.eosTokenId, tokenizer.padTokenId, tokenizer.modelMaxLength]).toEqual([49406, 49407, 49407, 77]);
  });

  it('model_max_length sets the padded length, and truncation keeps eos last', () => {
    const tokenizer = ClipTokenizer.fromContents({ vocab, merges, tokenizerConfig: text({ ...sd15Config, model_max_length: 6 }) });
    const long = tokenizer.encode('a photo of an astronaut riding a horse');
    expect([...long.inputIds]).toEqual([49406, 320, 1125, 539, 550, 49407]);
    expect([long.truncated, long.untruncatedLength]).toEqual([true, 10]);
    const fits = tokenizer.encode('a photo of an');
    expect([...fits.inputIds]).toEqual([49406, 320, 1125, 539, 550, 49407]);
    expect([fits.truncated, fits.untruncatedLength]).toEqual([false, 6]);
    expect([...tokenizer.encode('').inputIds]).toEqual([49406, 49407, 49407, 49407, 49407, 49407]);
  });
});
