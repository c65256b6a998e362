// The first step of transformers' PreTrainedTokenizer.tokenize: the prompt is cut at every added token (the
// special tokens, and any token of added_tokens_decoder) before any normalization, so that only an exact,
// case-sensitive "<|endoftext|>" is taken as the token here; each piece between them is normalized on its own.
// transformers finds them with a trie (Trie.split): the leftmost match, the longest one where several start at the
// same place. CLIP's added tokens never overlap, and neither do SD 2's ("!" is one of them).

/** A piece of the prompt: text to normalize and BPE, or one added token. */
export type PromptPiece = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'added'; readonly token: string };

/** Cuts `text` at the added tokens; text pieces are never empty. */
export function splitOnAddedTokens(text: string, tokens: readonly string[]): PromptPiece[] {
  const longestFirst = [...tokens].sort((a, b) => b.length - a.length);
  const firstChars = new Set(longestFirst.map((t) => t[0]));
  const pieces: PromptPiece[] = [];
  let textStart = 0;
  let pos = 0;
  while (pos < text.length) {
    const token = firstChars.has(text[pos]) ? longestFirst.find((t) => text.startsWith(t, pos)) : undefined;
    if (token === undefined) {
      pos += 1;
      continue;
    }
    if (pos > textStart) pieces.push({ kind: 'text', text: text.slice(textStart, pos) });
    pieces.push({ kind: 'added', token });
    pos += token.length;
    textStart = pos;
  }
  if (text.length > textStart) pieces.push({ kind: 'text', text: text.slice(textStart) });
  return pieces;
}
