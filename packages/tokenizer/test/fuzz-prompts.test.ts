/**
 * Fuzz suite: seeded random prompts (any code point, lone surrogates, controls, emoji sequences, CJK runs, mojibake
 * fragments, special-token spellings, HTML entities, very long strings). The contract checked, for SD 1.5's and
 * SD 2.1-base's files: tokenize and encode never throw; encode gives modelMaxLength ids that start with bos, have eos
 * right after the prompt's tokens (or last, when truncated) and the pad id after it, and agree with tokenize. Input
 * sizes are bounded (at most 20,000 UTF-16 units) so that a run stays short; nothing is timed. Seeds are fixed, so a
 * failure reproduces in CI.
 */
import { fuzz } from '@denoise/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClipTokenizer } from '../src/clip-tokenizer.js';
import { referenceTokenizer } from './fixtures.js';

const codePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)); // lone surrogates too
const piece = fc.oneof(
  { weight: 4, arbitrary: codePoint },
  { weight: 2, arbitrary: fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCodePoint(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0x00, max: 0x9f }).map((c) => String.fromCharCode(c)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'a photo of', ' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', '\u200b', '\u200d', '\ufeff', '\ufffd', '\u0345', 'ſ', "'s", "'LL",
      '<|endoftext|>', '<|ENDOFTEXT|>', '<|startoftext|>', '<|endof', 'text|>', '!', '!!!', '&amp;', '&#39;', '&#x1F600;', '&lt;', '<b>',
      'Ã©', 'â€™', 'Ã', 'Â', 'ðŸ', '\u0080', '\u0085', '\u009d', '\u001b[31m', 'ﬁ', 'ＡＢ', 'ｶﾞ', '“', '’',
      '👨\u200d👩\u200d👧\u200d👦', '🇯🇵', '👍🏽', '1️⃣', '\ud83d', '\ude00', 'e\u0301', 'İ', 'ΣΑΣ', '((masterpiece:1.2))', '1234567890',
    ),
  },
);
const prompt = fc.array(piece, { maxLength: 120 }).map((parts) => parts.join(''));
const longPrompt = fc.tuple(piece, fc.integer({ min: 500, max: 5000 }), prompt).map(([p, n, tail]) => p.repeat(n).slice(0, 20_000) + tail);

function checkPrompt(tokenizer: ClipTokenizer, text: string): void {
  const ids = tokenizer.tokenize(text);
  const { inputIds, truncated, untruncatedLength } = tokenizer.encode(text);
  const max = tokenizer.modelMaxLength;
  expect(untruncatedLength).toBe(ids.length);
  expect(inputIds).toHaveLength(max);
  expect(inputIds[0]).toBe(tokenizer.bosTokenId);
  expect(ids[0]).toBe(tokenizer.bosTokenId);
  expect(ids.at(-1)).toBe(tokenizer.eosTokenId);
  expect(truncated).toBe(ids.length > max);
  const eosAt = Math.min(ids.length, max) - 1;
  expect([...inputIds.subarray(0, eosAt)]).toEqual(ids.slice(0, eosAt));
  expect(inputIds[eosAt]).toBe(tokenizer.eosTokenId);
  for (let i = eosAt + 1; i < max; i++) expect(inputIds[i]).toBe(tokenizer.padTokenId);
  for (const id of ids) expect(Number.isInteger(id) && id >= 0 && id <= 49407).toBe(true);
}

describe.each(['sd1-tiny', 'sd2-tiny'] as const)('fuzz: %s/tokenizer on random prompts never throws and pads/truncates as diffusers does', (folder) => {
  it('prompts of up to 120 random pieces', async () => {
    const tokenizer = await referenceTokenizer(folder);
    fuzz(`${folder} prompts`, fc.property(prompt, (text) => checkPrompt(tokenizer, text)), { seed: folder === 'sd1-tiny' ? 0x70c1 : 0x70c2, numRuns: 800 });
  }, 120_000);

  it('long prompts: one piece repeated up to 20,000 units', async () => {
    const tokenizer = await referenceTokenizer(folder);
    fuzz(`${folder} long prompts`, fc.property(longPrompt, (text) => checkPrompt(tokenizer, text)), { seed: folder === 'sd1-tiny' ? 0x70c3 : 0x70c4, numRuns: 40 });
  }, 120_000);
});
