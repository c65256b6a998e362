// CLIPTokenizer._tokenize before BPE: `whitespace_clean(ftfy.fix_text(text)).lower()`, then the words of
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// with the `regex` package's IGNORECASE. On lowercased text that flag still matters in two places, reproduced here
// without JavaScript's `i` flag (whose case folding treats U+0345 differently):
//   - 's' also matches U+017F LATIN SMALL LETTER LONG S (simple case folding), in the contractions and the two
//     special tokens;
//   - U+0345 COMBINING GREEK YPOGEGRAMMENI folds to a letter (ι), so it is no longer matched by
//     [^\s\p{L}\p{N}] yet not by [\p{L}] either: no alternative matches it and findall skips it.
// Characters matching no alternative (only U+0345, and the spaces) are dropped.
import { fixText } from './ftfy-fix-text.js';
import { REGEX_SPACE, pyStrip } from './python-whitespace.js';

let whitespaceRun: RegExp | undefined;
let wordPattern: RegExp | undefined;

/** `whitespace_clean(ftfy.fix_text(text)).lower()`: every whitespace run becomes one space, the ends are stripped. */
export function normalizeClipText(text: string): string {
  whitespaceRun ??= new RegExp(`[${REGEX_SPACE}]+`, 'gu');
  return pyStrip(fixText(text).replace(whitespaceRun, ' ')).toLowerCase();
}

/** A literal of the pattern, case-insensitive as `regex` folds it: ASCII letters in both cases, s also as ſ. */
function caseless(literal: string): string {
  return [...literal]
    .map((c) => {
      if (c === 's') return '[sSſ]';
      if (/[a-z]/u.test(c)) return `[${c}${c.toUpperCase()}]`;
      return /[|]/u.test(c) ? `\\${c}` : c;
    })
    .join('');
}

/** The pre-tokens of normalized text (`re.findall(self.pat, text)`). */
export function clipWords(normalized: string): string[] {
  wordPattern ??= new RegExp(
    [
      caseless('<|startoftext|>'),
      caseless('<|endoftext|>'),
      ...["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map(caseless),
      '\\p{L}+',
      '\\p{N}',
      `[^${REGEX_SPACE}\\p{L}\\p{N}\\u{345}]+`,
    ].join('|'),
    'gu',
  );
  return normalized.match(wordPattern) ?? [];
}
