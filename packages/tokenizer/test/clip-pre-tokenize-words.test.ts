/** CLIP's text normalization and word pattern, with the `regex` package's IGNORECASE quirks (checked against it). */
import { describe, expect, it } from 'vitest';
import { clipWords, normalizeClipText } from '../src/clip-pre-tokenize.js';
import { referenceTokenizer } from './fixtures.js';

describe('normalizeClipText: fix_text, whitespace runs to one space, stripped, lowercased', () => {
  it.each([
    ['  multiple\t\tspaces\n', 'multiple spaces'],
    ['x\u2028y\u3000z\u00a0w', 'x y z w'],
    ['HELLO<|ENDOFTEXT|>World', 'hello<|endoftext|>world'],
    ['ΣΑΣ ΑΣ', 'σας ας'], // final sigma, as Python's str.lower()
    ['ＦＵＬＬ “q”', 'full "q"'], // ftfy ran first
  ])('%j -> %j', (input, expected) => {
    expect(normalizeClipText(input)).toBe(expected);
  });
});

describe('clipWords: the pre-tokens of normalized text', () => {
  it('splits letters, single digits and runs of other symbols; contractions are words of their own', () => {
    expect(clipWords("it's 1234 c++ (cat:1.5)")).toEqual(['it', "'s", '1', '2', '3', '4', 'c', '++', '(', 'cat', ':', '1', '.', '5', ')']);
  });

  it('keeps the special-token spellings whole', () => {
    expect(clipWords('a<|endoftext|>b<|startoftext|>')).toEqual(['a', '<|endoftext|>', 'b', '<|startoftext|>']);
  });

  it("matches 's' also as ſ (U+017F), which case-folds to s", () => {
    expect(clipWords("it'ſ")).toEqual(['it', "'ſ"]);
    expect(clipWords('<|ſtartoftext|>')).toEqual(['<|ſtartoftext|>']);
  });

  it('drops U+0345, which case-folds to a letter yet is not one', () => {
    expect(clipWords('a\u0345b \u0345')).toEqual(['a', 'b']);
  });
});

describe('tokenize: the ids of these quirks (from the real CLIPTokenizer)', () => {
  it.each([
    ["it'ſ", [49406, 585, 6, 129, 379, 49407]],
    ['<|ſtartoftext|>', [49406, 27, 91, 129, 123, 2002, 6659, 18169, 91, 285, 49407]],
    ['<|EndOfText|>x', [49406, 49407, 343, 49407]],
    ['a\u0345b', [49406, 320, 321, 49407]],
    ['1234', [49406, 272, 273, 274, 275, 49407]],
  ])('%j', async (prompt, ids) => {
    expect((await referenceTokenizer('sd1-tiny')).tokenize(prompt)).toEqual(ids);
  });

  it('SD 2\'s pad token "!" is an added token: it splits the prompt and is id 0, where SD 1 has "!</w>" (256)', async () => {
    expect((await referenceTokenizer('sd1-tiny')).tokenize('hello world!')).toEqual([49406, 3306, 1002, 256, 49407]);
    expect((await referenceTokenizer('sd2-tiny')).tokenize('hello world!')).toEqual([49406, 3306, 1002, 0, 49407]);
  });
});
