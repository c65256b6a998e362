/** ftfy's HTML unescaping as fix_text applies it (what ftfy 6.3.1 gives for each, checked against it). */
import { describe, expect, it } from 'vitest';
import { fixText } from '../src/ftfy-fix-text.js';
import { unescapeHtml } from '../src/ftfy-unescape-html.js';

describe('unescapeHtml: complete references only, as html.unescape decodes them', () => {
  it.each([
    ['Tom &amp; Jerry &lt;3', 'Tom & Jerry <3'],
    ['&copy; 2020 &hellip;', '© 2020 …'],
    ['&Jscr;ohn &HilbertSpace;ancock', '𝒥ohn ℋancock'],
    ['P&EACUTE;REZ', 'PÉREZ'], // ftfy's upper-case forms of lower-case names
    ['&ntilde; &Ntilde; &NTILDE; &nTILDE;', 'ñ Ñ Ñ &nTILDE;'],
    ['this&not that, &amp without a semicolon', 'this&not that, &amp without a semicolon'],
    ['&#39;quoted&#x27; &#X41;', "'quoted' A"],
    ['&#128; &#150;', '€ –'], // HTML5 reads 0x80-0x9F references as windows-1252
    ['&#0; &#xD800; &#1114112;', '\ufffd \ufffd \ufffd'],
    ['a&#1;b&#xFFFE;c', 'abc'], // controls and non-characters are dropped
    ['&#59; &#x3b;', '&#59; &#x3b;'], // decoding to ';' looks like a partial decode to ftfy: kept
    ['&#12ab; &#x; &#;', '&#12ab; &#x; &#;'],
  ])('%j -> %j', (input, expected) => {
    expect(unescapeHtml(input)).toBe(expected);
  });
});

describe("fixText's 'auto' HTML mode", () => {
  it('a segment holding "<" is taken for HTML and keeps its entities', () => {
    expect(fixText('<b>bold</b> &amp; text')).toBe('<b>bold</b> &amp; text');
  });

  it('segments are lines: earlier lines are unescaped, the "<" line and every later one are not', () => {
    expect(fixText('a &amp; b\n<p>\n&amp; c')).toBe('a & b\n<p>\n&amp; c');
    expect(fixText('a &amp; b\nc &amp; d')).toBe('a & b\nc & d');
  });

  it('fix_text repeats until nothing changes, so a doubly escaped entity is unescaped twice', () => {
    expect(fixText('&amp;lt;')).toBe('<');
  });

  it('a decoded curly quote is then straightened', () => {
    expect(fixText('it&#x2019;s')).toBe("it's");
  });
});
