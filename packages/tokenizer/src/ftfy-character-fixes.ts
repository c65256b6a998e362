// ftfy's character-level fixers (ftfy/fixes.py), each a plain mapping over the text, in the order fix_text runs
// them after the encoding repair.
import { CHARACTER_WIDTH_MAP, LATIN_LIGATURES, REMOVED_CONTROL_CHARS } from './ftfy-data/character-maps.js';
import { ANSI_ESCAPE_PATTERN, DOUBLE_QUOTE_PATTERN, SINGLE_QUOTE_PATTERN } from './ftfy-data/patterns.js';

/** Python's `str.translate` with a code point -> replacement table (a missing code point is kept). */
function translate(text: string, table: Readonly<Record<number, string>>): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out += Object.hasOwn(table, code) ? table[code]! : char;
  }
  return out;
}

/** `fix_latin_ligatures`: ﬁ -> fi, ĳ -> ij, ǆ -> dž, ... (ligatures of other scripts are kept). */
export function fixLatinLigatures(text: string): string {
  return translate(text, LATIN_LIGATURES);
}

/** `fix_character_width`: full-width ASCII and half-width katakana/hangul to their usual forms, U+3000 to a space. */
export function fixCharacterWidth(text: string): string {
  return translate(text, CHARACTER_WIDTH_MAP);
}

let singleQuote: RegExp | undefined;
let doubleQuote: RegExp | undefined;

/** `uncurl_quotes`: ‘ ’ ‚ ‛ ʼ -> ' and “ ” „ ‟ -> ". */
export function uncurlQuotes(text: string): string {
  singleQuote ??= new RegExp(SINGLE_QUOTE_PATTERN, 'gu');
  doubleQuote ??= new RegExp(DOUBLE_QUOTE_PATTERN, 'gu');
  return text.replace(doubleQuote, '"').replace(singleQuote, "'");
}

/** `fix_line_breaks`: CRLF, CR, U+2028, U+2029 and NEL (U+0085) become "\n". */
export function fixLineBreaks(text: string): string {
  return text.replaceAll('\r\n', '\n').replaceAll('\r', '\n').replaceAll('\u2028', '\n').replaceAll('\u2029', '\n').replaceAll('\u0085', '\n');
}

/**
 * `fix_surrogates`: a high surrogate followed by a low one is the character they encode (in a JavaScript string
 * that pair already is that character), and any other surrogate becomes U+FFFD.
 */
export function fixSurrogates(text: string): string {
  return text.replace(/\p{Cs}/gu, '\ufffd');
}

let ansiEscape: RegExp | undefined;

/** `remove_terminal_escapes`: deletes ANSI escapes such as "\x1b[36;44m". */
export function removeTerminalEscapes(text: string): string {
  ansiEscape ??= new RegExp(ANSI_ESCAPE_PATTERN, 'gu');
  return text.replace(ansiEscape, '');
}

let removedControls: ReadonlySet<number> | undefined;

/**
 * `remove_control_chars`: deletes C0 controls other than \t \n \f \r, DEL, the deprecated Arabic format controls
 * U+206A-U+206F, U+FEFF and U+FFF9-U+FFFC. C1 controls, joiners and bidi marks are kept.
 */
export function removeControlChars(text: string): string {
  removedControls ??= new Set(REMOVED_CONTROL_CHARS);
  let out = '';
  for (const char of text) if (!removedControls.has(char.codePointAt(0)!)) out += char;
  return out;
}
