/** ftfy's mojibake detection and repair (each expectation is what ftfy 6.3.1 gives, checked against it). */
import { describe, expect, it } from 'vitest';
import { isBad } from '../src/ftfy-badness.js';
import { replaceLossySequences, restoreByteA0 } from '../src/ftfy-byte-fixes.js';
import { fixC1Controls, fixEncoding } from '../src/ftfy-fix-encoding.js';
import { fixText } from '../src/ftfy-fix-text.js';

describe('isBad: the badness heuristic', () => {
  it.each([
    ['sÃ³', true],
    ['doesnÃ¢â‚¬â„¢t', true],
    ['РџСЂРёРІРµС‚', true],
    ['\u0080', true], // any C1 control
    ['café naïve Ångström', false],
    ['東京の夜景', false],
    ['“smart quotes” — dash', false],
    ['(╯°□°)╯︵ ┻━┻', false], // kaomoji are spared
  ])('%j: %s', (text, bad) => {
    expect(isBad(text)).toBe(bad);
  });
});

describe('fixEncoding: re-decoding as UTF-8 through the encoding that made the mojibake', () => {
  it.each([
    ['sÃ³', 'só'], // latin-1
    ['Ã©lÃ©phant in a cafÃ©', 'éléphant in a café'],
    ['doesnÃ¢â‚¬â„¢t', 'doesn’t'], // twice: windows-1252 over windows-1252
    ['ÃƒÂ©', 'é'],
    ['ðŸ˜€', '😀'], // a 4-byte sequence
    ['РџСЂРёРІРµС‚', 'Привет'], // windows-1251
    ['l’Ã©tÃ©', 'l’été'], // decode_inconsistent_utf8: the curly quote is not latin-1, the runs are fixed alone
    ['café naïve', 'café naïve'], // not bad: left alone
  ])('%j -> %j', (input, expected) => {
    expect(fixEncoding(input)).toBe(expected);
  });

  it('restore_byte_a0: a space that stood for byte 0xA0 is put back', () => {
    expect(fixEncoding('voilÃ le travail')).toBe('voilà le travail');
    expect(fixEncoding('Ã\u00a0')).toBe('à');
    // "Ã " alone is the word "à": the space is kept ...
    expect(fixText('Ã la mode')).toBe('à la mode');
    // ... which turns the Catalan "fàcil" into two words, as ftfy does; and "às" is Portuguese.
    expect(fixText('fÃ cil')).toBe('fà cil');
    expect(fixText('Ã s vezes')).toBe('às vezes');
  });

  it('restoreByteA0 and replaceLossySequences on bytes', () => {
    expect(restoreByteA0('\u00c3 la')).toBe('\u00c3\u00a0 la');
    expect(restoreByteA0('\u00e2\u0080 ')).toBe('\u00e2\u0080\u00a0');
    expect(replaceLossySequences('\u00e2\u0080\u001a')).toBe('\u00ef\u00bf\u00bd');
    expect(replaceLossySequences('a\u001ab')).toBe('a\u00ef\u00bf\u00bdb');
  });

  it('replace_lossy_sequences: mojibake with a byte lost to U+FFFD still decodes, the lost character as U+FFFD', () => {
    expect(fixEncoding('â€œ like this â€\ufffd')).toBe('“ like this \ufffd');
  });

  it('C1 controls: Latin-1 text is re-read as windows-1252; where that fails, each control alone', () => {
    expect(fixText('price \u0080 5')).toBe('price € 5');
    expect(fixText('café \u0096 ok')).toBe('café – ok');
    // 0x9D is one of windows-1252's holes: the string does not decode, and fix_c1_controls keeps U+009D.
    expect(fixText('\u0080 and \u009d')).toBe('€ and \u009d');
    expect(fixC1Controls('\u0080\u009d\u0085')).toBe('€\u009d…');
  });
});
