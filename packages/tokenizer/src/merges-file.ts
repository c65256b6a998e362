// merges.txt: a "#version: ..." line, then one BPE merge per line ("a b": symbols a and b become "ab"), earliest
// first. transformers' CLIPTokenizer reads it as `read().strip().split("\n")[1 : 49152 - 256 - 2 + 1]`: the first
// line is skipped whatever it says, and only the next 48,894 lines are merges (OpenAI's CLIP vocabulary: 512 byte
// symbols, 48,894 merges and 2 special tokens make 49,408); any later line is never used.
import { pySplit, pyStrip } from './python-whitespace.js';
import { TokenizerFilesError, quoted } from './tokenizer-files-error.js';

/** How many merges CLIPTokenizer uses from merges.txt; later lines are ignored, as there. */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;

/** The key of the merge of `first` and `second` in the rank map (symbols never contain a space). */
export const mergeKey = (first: string, second: string): string => `${first} ${second}`;

/**
 * Merge ranks (`mergeKey(a, b)` -> 0 for the first merge, ...). Refused: a first line that is not the
 * "#version" header (CLIPTokenizer would silently drop a real merge), a line that is not two symbols, a merge
 * listed twice, and a merge whose result is not in the vocabulary (the two files do not belong together).
 */
export function parseMerges(text: string, file: string, vocab: ReadonlyMap<string, number>): Map<string, number> {
  const lines = pyStrip(text).split('\n');
  if (!lines[0]!.startsWith('#version')) {
    throw new TokenizerFilesError(file, 'line 1', `expected the "#version: ..." header, got ${quoted(lines[0])}`);
  }
  const ranks = new Map<string, number>();
  const used = Math.min(lines.length, CLIP_MERGE_COUNT + 1);
  for (let index = 1; index < used; index++) {
    const symbols = pySplit(lines[index]!);
    const where = `line ${index + 1}`;
    if (symbols.length !== 2) throw new TokenizerFilesError(file, where, `expected two symbols separated by a space, got ${quoted(lines[index])}`);
    const [first, second] = symbols as [string, string];
    const key = mergeKey(first, second);
    if (ranks.has(key)) throw new TokenizerFilesError(file, where, `the merge ${quoted(key)} is listed twice`);
    if (!vocab.has(first + second)) throw new TokenizerFilesError(file, where, `the merge ${quoted(key)} makes ${quoted(first + second)}, which is not in vocab.json`);
    ranks.set(key, index - 1);
  }
  return ranks;
}
