// The two notions of whitespace the Python reference uses, as JavaScript character-class bodies (JavaScript's own
// `\s` is neither: it has U+FEFF and lacks U+0085).

/** Python's `str.isspace()`, used by `str.strip()` and `str.split()`: Unicode White_Space plus U+001C-U+001F. */
export const PY_STR_SPACE = '\\t-\\r\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}';

/** `\s` of the `regex` package (transformers' `import regex as re`): the Unicode White_Space property. */
export const REGEX_SPACE = '\\t-\\r\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}';

let splitter: RegExp | undefined;
let stripper: RegExp | undefined;

/** Python's `text.split()`: the runs of non-whitespace. */
export function pySplit(text: string): string[] {
  splitter ??= new RegExp(`[^${PY_STR_SPACE}]+`, 'gu');
  return text.match(splitter) ?? [];
}

/** Python's `text.strip()`. */
export function pyStrip(text: string): string {
  stripper ??= new RegExp(`^[${PY_STR_SPACE}]+|[${PY_STR_SPACE}]+$`, 'gu');
  return text.replace(stripper, '');
}
