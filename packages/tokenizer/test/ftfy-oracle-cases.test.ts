/**
 * fixText and isBad against the real ftfy 6.3.1 on the 2,400 seeded inputs of fixtures/tokenizer-oracle (mojibake
 * through every candidate encoding, lossy and double mojibake, HTML entities with and without '<', escapes,
 * controls, line breaks, surrogates, width, ligatures, quotes; see tools/denoise_tools/make_ftfy_tables/cases.py).
 */
import { describe, expect, it } from 'vitest';
import { isBad } from '../src/ftfy-badness.js';
import { fixText } from '../src/ftfy-fix-text.js';
import { oracleCases } from './fixtures.js';

const { ftfy, versions } = oracleCases();

describe(`fixText: identical to ftfy ${versions.ftfy}'s fix_text (Python ${versions.python})`, () => {
  it('the cases are many, and most of them are changed by fix_text', () => {
    expect(ftfy.length).toBeGreaterThanOrEqual(2000);
    expect(ftfy.filter((c) => c.fix_text !== c.input).length).toBeGreaterThan(ftfy.length / 2);
    expect(ftfy.filter((c) => c.is_bad).length).toBeGreaterThan(ftfy.length / 4);
  });

  it('fix_text(input) for every case', () => {
    const wrong = ftfy.filter((c) => fixText(c.input) !== c.fix_text).map((c) => ({ input: c.input, expected: c.fix_text, got: fixText(c.input) }));
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('badness.is_bad(input) for every case', () => {
    const wrong = ftfy.filter((c) => isBad(c.input) !== c.is_bad).map((c) => ({ input: c.input, expected: c.is_bad }));
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
