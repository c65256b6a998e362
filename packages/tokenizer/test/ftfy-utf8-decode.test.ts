/** The strict UTF-8 decoder with ftfy's 'utf-8-variants' extensions (Python's bytes.decode gives the same). */
import { describe, expect, it } from 'vitest';
import { decodeUtf8Variants } from '../src/ftfy-utf8-decode.js';

const bytes = (...values: number[]): string => String.fromCharCode(...values);

describe('decodeUtf8Variants', () => {
  it('decodes well-formed UTF-8 of every length', () => {
    expect(decodeUtf8Variants(bytes(0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80))).toBe('aé€😀');
  });

  it.each([
    ['an overlong "/"', [0xc0, 0xaf]],
    ['a lone surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a lone lead byte at the end', [0x61, 0xc0]],
    ['a stray continuation byte', [0x80]],
  ])('refuses %s', (_what, values) => {
    expect(decodeUtf8Variants(bytes(...values))).toBeUndefined();
  });

  it("accepts Java's two-byte NUL and CESU-8 surrogate pairs", () => {
    expect(decodeUtf8Variants(bytes(0x61, 0xc0, 0x80, 0x62))).toBe('a\u0000b');
    expect(decodeUtf8Variants(bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80))).toBe('😀');
  });

  it("takes C0 before a final newline for a NUL, as the codec's `$` does", () => {
    expect(decodeUtf8Variants(bytes(0x61, 0xc0, 0x0a))).toBe('a\u0000');
    expect(decodeUtf8Variants(bytes(0x61, 0xc0, 0x0a, 0x62))).toBeUndefined();
  });
});
