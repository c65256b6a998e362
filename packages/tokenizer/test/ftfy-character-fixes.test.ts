/** ftfy's character-level fixers, alone and inside fixText (expectations checked against ftfy 6.3.1). */
import { describe, expect, it } from 'vitest';
import {
  fixCharacterWidth,
  fixLatinLigatures,
  fixLineBreaks,
  fixSurrogates,
  removeControlChars,
  removeTerminalEscapes,
  uncurlQuotes,
} from '../src/ftfy-character-fixes.js';
import { fixText } from '../src/ftfy-fix-text.js';

describe('the character fixers', () => {
  it('fix_latin_ligatures splits Latin ligatures and digraphs only', () => {
    expect(fixLatinLigatures('ﬁne ﬂower ﬀ ﬃ ĳ ǆ ǅ')).toBe('fine flower ff ffi ij dž Dž');
    expect(fixLatinLigatures('æ œ ﬓ')).toBe('æ œ ﬓ'); // æ/œ are letters; Armenian ligatures are left
  });

  it('fix_character_width: full-width ASCII, the ideographic space, half-width katakana', () => {
    expect(fixCharacterWidth('ＬＯＵＤ\u3000ＮＯＩＳＥＳ １２３')).toBe('LOUD NOISES 123');
    expect(fixCharacterWidth('ｶﾀｶﾅ')).toBe('カタカナ');
  });

  it('uncurl_quotes straightens curly quotes, not backticks or primes', () => {
    expect(uncurlQuotes('“here’s a test” ‚x‛ ʼ „y‟')).toBe('"here\'s a test" \'x\' \' "y"');
    expect(uncurlQuotes('it`s 5′')).toBe('it`s 5′');
  });

  it('fix_line_breaks makes every line break "\\n"', () => {
    expect(fixLineBreaks('a\r\nb\rc\u2028d\u2029e\u0085f')).toBe('a\nb\nc\nd\ne\nf');
  });

  it('inside fixText, NEL is read as windows-1252 (an ellipsis) before line breaks are fixed', () => {
    expect(fixText('a\r\nb\u0085c')).toBe('a\nb…c');
  });

  it('fix_surrogates: a pair is its character, a lone surrogate U+FFFD', () => {
    expect(fixSurrogates('\ud83d\ude00')).toBe('😀');
    expect(fixSurrogates('\ude00\ud83d x \ud83d')).toBe('\ufffd\ufffd x \ufffd');
  });

  it('remove_terminal_escapes deletes ANSI escapes, with digits of any script', () => {
    expect(removeTerminalEscapes('\u001b[36;44mblue\u001b[0m')).toBe('blue');
    expect(removeTerminalEscapes('\u001b[\u0663m')).toBe('');
  });

  it('remove_control_chars keeps \\t \\n \\f \\r, C1 controls and joiners', () => {
    expect(removeControlChars('a\u0000b\u0007c\u000bd\u000ce\u007ff\ufeffg\u200bh\u206ai\ufffcj\u001a')).toBe('abcd\u000cefg\u200bhij');
    expect(removeControlChars('\t\n\r\u0085\u200d\u200f')).toBe('\t\n\r\u0085\u200d\u200f');
  });

  it('fixText ends with NFC', () => {
    expect(fixText('e\u0301')).toBe('é');
  });
});
