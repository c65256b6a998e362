// Strict UTF-8 decoding of a byte string (one UTF-16 unit per byte), with ftfy's 'utf-8-variants' extensions:
// Java's two-byte NUL (C0 80) and CESU-8 (a supplementary character written as two 3-byte surrogates). ftfy picks
// that codec when the bytes contain 0xC0 or 0xED; on bytes without either, both extensions are inert and this is
// Python's strict 'utf-8'. Anything Python would refuse (overlong forms, lone surrogates, truncated sequences, code
// points past U+10FFFF) makes the whole decode fail, which ftfy takes as "not this encoding".

const isContinuation = (byte: number): boolean => byte >= 0x80 && byte <= 0xbf;

/**
 * Decodes `bytes`, or returns undefined where Python's `bytes.decode('utf-8-variants')` raises UnicodeDecodeError.
 *
 * The codec finds its special sequences with `re` patterns that end in `(...|$)`, and Python's `$` also matches
 * just before a final newline; so C0 followed by a final "\n" decodes to NUL (eating the newline), and so does the
 * last byte of a CESU-8 pair when it is that final "\n". Both are kept for exactness.
 */
export function decodeUtf8Variants(bytes: string): string | undefined {
  const n = bytes.length;
  const at = (i: number): number => (i < n ? bytes.charCodeAt(i) : -1);
  const parts: string[] = [];
  let i = 0;
  while (i < n) {
    const b0 = at(i);
    if (b0 < 0x80) {
      parts.push(String.fromCharCode(b0));
      i += 1;
      continue;
    }
    if (b0 === 0xc0) {
      const b1 = at(i + 1);
      if (b1 === 0x80 || (b1 === 0x0a && i + 2 === n)) {
        parts.push('\u0000');
        i += 2;
        continue;
      }
      return undefined;
    }
    if (b0 === 0xed && n - i >= 6) {
      const [b1, b2, b3, b4, b5] = [at(i + 1), at(i + 2), at(i + 3), at(i + 4), at(i + 5)];
      const lastOk = isContinuation(b5) || (b5 === 0x0a && n - i === 6);
      if (b1 >= 0xa0 && b1 <= 0xaf && isContinuation(b2) && b3 === 0xed && b4 >= 0xb0 && b4 <= 0xbf && lastOk) {
        parts.push(String.fromCodePoint(0x10000 + ((b1 & 0x0f) << 16) + ((b2 & 0x3f) << 10) + ((b4 & 0x0f) << 6) + (b5 & 0x3f)));
        i += 6;
        continue;
      }
    }
    const decoded = decodeOneStrict(b0, at(i + 1), at(i + 2), at(i + 3));
    if (decoded === undefined) return undefined;
    parts.push(String.fromCodePoint(decoded.codePoint));
    i += decoded.length;
  }
  return parts.join('');
}

/** One well-formed UTF-8 sequence of 2-4 bytes (Unicode Table 3-7), or undefined. */
function decodeOneStrict(b0: number, b1: number, b2: number, b3: number): { codePoint: number; length: number } | undefined {
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    return isContinuation(b1) ? { codePoint: ((b0 & 0x1f) << 6) | (b1 & 0x3f), length: 2 } : undefined;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const low = b0 === 0xe0 ? 0xa0 : 0x80;
    const high = b0 === 0xed ? 0x9f : 0xbf;
    if (!(b1 >= low && b1 <= high) || !isContinuation(b2)) return undefined;
    return { codePoint: ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f), length: 3 };
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const low = b0 === 0xf0 ? 0x90 : 0x80;
    const high = b0 === 0xf4 ? 0x8f : 0xbf;
    if (!(b1 >= low && b1 <= high) || !isContinuation(b2) || !isContinuation(b3)) return undefined;
    return { codePoint: ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f), length: 4 };
  }
  return undefined;
}
