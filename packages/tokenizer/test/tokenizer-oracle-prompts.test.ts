/**
 * ClipTokenizer.tokenize against the real slow CLIPTokenizer (transformers 4.57.6, ftfy 6.3.1, regex) on the 700
 * seeded prompts of fixtures/tokenizer-oracle: special tokens in every case (and with ſ), contractions, scripts,
 * emoji, weighting syntax, mojibake, random assigned characters, prompts of 60-120 words; through SD 1.5's files
 * and SD 2.1-base's (where "!" is an added token and splits the prompt).
 */
import { describe, expect, it } from 'vitest';
import { oracleCases, referenceTokenizer } from './fixtures.js';

const { clip, versions } = oracleCases();

describe(`tokenize: identical to CLIPTokenizer of transformers ${versions.transformers} with ftfy ${versions.ftfy}`, () => {
  it('the prompts are many, some of them over 77 tokens', () => {
    expect(clip.length).toBeGreaterThanOrEqual(500);
    expect(clip.filter((c) => c.sd1_ids.length > 77).length).toBeGreaterThan(20);
    expect(clip.filter((c) => c.sd1_ids.join() !== c.sd2_ids.join()).length).toBeGreaterThan(10);
  });

  it.each(['sd1-tiny', 'sd2-tiny'] as const)('%s/tokenizer: untruncated ids of every prompt', async (folder) => {
    const tokenizer = await referenceTokenizer(folder);
    const key = folder === 'sd1-tiny' ? 'sd1_ids' : 'sd2_ids';
    const wrong = clip.filter((c) => tokenizer.tokenize(c.prompt).join() !== c[key].join()).map((c) => ({ prompt: c.prompt, expected: c[key], got: tokenizer.tokenize(c.prompt) }));
    expect(wrong.slice(0, 3)).toEqual([]);
  });
});
