// CLIP's byte-pair encoding of one pre-token (CLIPTokenizer.bpe): the word starts as its byte symbols with "</w>"
// on the last one; then, while any adjacent pair has a merge, the pair with the lowest rank is merged at every
// place it occurs, left to right without overlap ("a a a" -> "aa a"). The loop here keeps the pairs in a heap
// instead of rescanning the word after each merge, which makes a long word cost O(n log n) instead of O(n²), and
// does exactly the same merges: all occurrences of one pair are merged together, in word order, and the next pair
// is the lowest-ranked one among the pairs of the merged word.
import { mergeKey } from './merges-file.js';

/** CLIPTokenizer's cache starts with these two, mapped to themselves: no "</w>", no merging. */
const SPECIAL_WORDS: ReadonlySet<string> = new Set(['<|startoftext|>', '<|endoftext|>']);
const END_OF_WORD = '</w>';
/** Words kept in the cache before it is emptied (transformers' is unbounded; the cache never changes a result). */
const MAX_CACHED_WORDS = 50_000;

interface Candidate {
  readonly rank: number;
  readonly left: number;
  readonly right: number;
  /** The versions of the two symbols when the pair was seen; a merge since then makes the candidate stale. */
  readonly leftVersion: number;
  readonly rightVersion: number;
}

export class BytePairEncoder {
  private readonly cache = new Map<string, readonly string[]>();

  /** `ranks`: mergeKey(first, second) -> rank, lowest merged first. */
  constructor(private readonly ranks: ReadonlyMap<string, number>) {}

  /** The BPE symbols of one byte-encoded pre-token. */
  encode(word: string): readonly string[] {
    if (SPECIAL_WORDS.has(word)) return [word];
    let symbols = this.cache.get(word);
    if (symbols === undefined) {
      symbols = this.merge(word);
      if (this.cache.size >= MAX_CACHED_WORDS) this.cache.clear();
      this.cache.set(word, symbols);
    }
    return symbols;
  }

  private merge(word: string): readonly string[] {
    const chars = [...word];
    const n = chars.length;
    if (n <= 1) return [word + END_OF_WORD];
    const symbol = chars.map((c, i) => (i === n - 1 ? c + END_OF_WORD : c));
    // A doubly linked list over the symbols; a merge keeps the left node (so list order stays index order).
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const version = new Array<number>(n).fill(0);
    const alive = new Array<boolean>(n).fill(true);
    const heap = new CandidateHeap();
    const consider = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const rank = this.ranks.get(mergeKey(symbol[left]!, symbol[right]!));
      if (rank !== undefined) heap.push({ rank, left, right, leftVersion: version[left]!, rightVersion: version[right]! });
    };
    const current = (c: Candidate): boolean =>
      alive[c.left]! && alive[c.right]! && next[c.left] === c.right && version[c.left] === c.leftVersion && version[c.right] === c.rightVersion;

    for (let i = 0; i + 1 < n; i++) consider(i, i + 1);
    while (heap.size > 0) {
      const rank = heap.peek()!.rank;
      // Every current occurrence of this pair (one rank is one pair), in word order.
      const batch: Candidate[] = [];
      while (heap.size > 0 && heap.peek()!.rank === rank) {
        const candidate = heap.pop()!;
        if (current(candidate)) batch.push(candidate);
      }
      for (const { left, right } of batch) {
        // An earlier merge of this batch may have taken one of the two symbols ("a a a": the second pair).
        if (!alive[left] || !alive[right] || next[left] !== right) continue;
        symbol[left] = symbol[left]! + symbol[right]!;
        version[left] = version[left]! + 1;
        alive[right] = false;
        next[left] = next[right]!;
        if (next[right]! >= 0) prev[next[right]!] = left;
        consider(prev[left]!, left);
        consider(left, next[left]!);
      }
    }
    const out: string[] = [];
    for (let i = 0; i >= 0; i = next[i]!) out.push(symbol[i]!);
    return out;
  }
}

/** A binary min-heap of merge candidates by (rank, position), so one pair's occurrences come out in word order. */
class CandidateHeap {
  private readonly items: Candidate[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Candidate | undefined {
    return this.items[0];
  }

  push(item: Candidate): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): Candidate | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && before(items[l]!, items[smallest]!)) smallest = l;
        if (r < items.length && before(items[r]!, items[smallest]!)) smallest = r;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

const before = (a: Candidate, b: Candidate): boolean => a.rank < b.rank || (a.rank === b.rank && a.left < b.left);
