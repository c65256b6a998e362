/**
 * BytePairEncoder (a heap of candidate pairs) against a direct transcription of CLIPTokenizer.bpe's loop (rescan the
 * word, merge the lowest-ranked pair everywhere, repeat), on random words and random merge tables, including tables
 * whose ranks are out of order with their symbols (a merge of a merged symbol ranked before the merge making it).
 */
import fc from 'fast-check';
import { fuzz } from '@denoise/fuzz';
import { describe, expect, it } from 'vitest';
import { BytePairEncoder } from '../src/bpe.js';
import { mergeKey } from '../src/merges-file.js';

/** The reference loop: min over the current pairs, then one left-to-right pass merging that pair. */
function rescanningBpe(word: string, ranks: ReadonlyMap<string, number>): string[] {
  let symbols = [...word];
  symbols[symbols.length - 1] += '</w>';
  if (symbols.length === 1) return symbols;
  for (;;) {
    let best: [string, string] | undefined;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(mergeKey(symbols[i]!, symbols[i + 1]!));
      if (rank !== undefined && rank < bestRank) [best, bestRank] = [[symbols[i]!, symbols[i + 1]!], rank];
    }
    if (best === undefined) return symbols;
    const merged: string[] = [];
    for (let i = 0; i < symbols.length; ) {
      if (symbols[i] === best[0] && i + 1 < symbols.length && symbols[i + 1] === best[1]) {
        merged.push(best[0] + best[1]);
        i += 2;
      } else merged.push(symbols[i++]!);
    }
    symbols = merged;
    if (symbols.length === 1) return symbols;
  }
}

describe('BytePairEncoder', () => {
  it('merges every occurrence of the best pair left to right, without overlap', () => {
    const ranks = new Map([[mergeKey('a', 'a'), 0]]);
    // a a a a a</w>: (a, a) at 0, 1, 2 -> merged at 0 and 2; (a, a</w>) has no rank.
    expect(new BytePairEncoder(ranks).encode('aaaaa')).toEqual(['aa', 'aa', 'a</w>']);
    ranks.set(mergeKey('a', 'a</w>'), 1);
    ranks.set(mergeKey('aa', 'aa'), 2);
    // Every (a, a) is merged before anything else, so (a, a</w>), ranked next, no longer occurs; (aa, aa) does.
    expect(new BytePairEncoder(ranks).encode('aaaaa')).toEqual(['aaaa', 'a</w>']);
    expect(new BytePairEncoder(ranks).encode('aaa')).toEqual(['aa', 'a</w>']);
    expect(new BytePairEncoder(ranks).encode('aa')).toEqual(['aa</w>']);
  });

  it('leaves the two special tokens whole, without "</w>"', () => {
    const encoder = new BytePairEncoder(new Map());
    expect(encoder.encode('<|endoftext|>')).toEqual(['<|endoftext|>']);
    expect(encoder.encode('x')).toEqual(['x</w>']);
  });

  it('gives the rescanning loop\'s symbols on random words and merge tables', () => {
    const alphabet = ['a', 'b', 'c', 'd'];
    const symbol = fc.constantFrom(...alphabet, 'ab', 'ba', 'aa', 'abc', 'cd', 'a</w>', 'b</w>', 'ab</w>', 'cd</w>', 'aab</w>');
    fuzz(
      'bpe vs rescanning',
      fc.property(fc.array(fc.tuple(symbol, symbol), { maxLength: 25 }), fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 40 }), (pairs, word) => {
        const ranks = new Map<string, number>();
        pairs.forEach(([a, b], rank) => {
          if (!ranks.has(mergeKey(a, b))) ranks.set(mergeKey(a, b), rank);
        });
        expect(new BytePairEncoder(ranks).encode(word)).toEqual(rescanningBpe(word, ranks));
      }),
      { seed: 0x0b9e_2026, numRuns: 3000 },
    );
  });
});
