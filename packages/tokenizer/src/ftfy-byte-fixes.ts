// The two byte-level repairs ftfy makes between re-encoding suspected mojibake and decoding it as UTF-8
// (ftfy.fixes.restore_byte_a0 and replace_lossy_sequences). Both work on byte strings (one unit per byte).
import { ALTERED_UTF8_PATTERN, A_GRAVE_WORD_PATTERN, LOSSY_UTF8_PATTERN } from './ftfy-data/patterns.js';

let alteredUtf8: RegExp | undefined;
let aGraveWord: RegExp | undefined;
let lossyUtf8: RegExp | undefined;

/** Whether the bytes hold a UTF-8 sequence whose 0xA0 byte seems to have been turned into a space. */
export function hasAlteredUtf8(bytes: string): boolean {
  alteredUtf8 ??= new RegExp(ALTERED_UTF8_PATTERN, 'gu');
  alteredUtf8.lastIndex = 0;
  return alteredUtf8.test(bytes);
}

/**
 * `restore_byte_a0`: puts byte 0xA0 back where a space broke a UTF-8 sequence. "Ã " standing alone first becomes
 * "à " (the space kept: it was the word "à", as in "Ã la mode"), except before the Portuguese "às", "àquele"...
 */
export function restoreByteA0(bytes: string): string {
  alteredUtf8 ??= new RegExp(ALTERED_UTF8_PATTERN, 'gu');
  aGraveWord ??= new RegExp(A_GRAVE_WORD_PATTERN, 'gu');
  return bytes.replace(aGraveWord, '\u00c3\u00a0 ').replace(alteredUtf8, (sequence) => sequence.replaceAll(' ', '\u00a0'));
}

/**
 * `replace_lossy_sequences`: a UTF-8 sequence some of whose bytes were lost to U+FFFD (encoded as byte 0x1A by the
 * sloppy codecs) or to '?' becomes the UTF-8 bytes of U+FFFD, so that the rest of the text can still be decoded.
 */
export function replaceLossySequences(bytes: string): string {
  lossyUtf8 ??= new RegExp(LOSSY_UTF8_PATTERN, 'gu');
  return bytes.replace(lossyUtf8, '\u00ef\u00bf\u00bd');
}
