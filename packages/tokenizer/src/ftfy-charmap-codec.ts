// The single-byte codecs ftfy re-encodes suspected mojibake with (Python's latin-1, iso-8859-2, macroman, cp437
// and ftfy's sloppy-windows-125x). Bytes are carried as "byte strings": one UTF-16 unit per byte, 0x00-0xFF, so that
// ftfy's byte-level regular expressions run on them unchanged.
import { CHARMAP_DECODE_TABLES, WINDOWS_1252_UNDEFINED_BYTES, type CharmapEncoding } from './ftfy-data/charmaps.js';

/** Character (as a UTF-16 unit) -> byte, per encoding; built on first use. */
const encoders = new Map<CharmapEncoding, Map<number, number>>();

function encoderFor(encoding: CharmapEncoding): Map<number, number> {
  let encoder = encoders.get(encoding);
  if (encoder === undefined) {
    const table = CHARMAP_DECODE_TABLES[encoding];
    encoder = new Map();
    for (let byte = 0; byte < 256; byte++) encoder.set(table.charCodeAt(byte), byte);
    encoders.set(encoding, encoder);
  }
  return encoder;
}

/**
 * `text.encode(encoding)` as a byte string, or undefined where a character has no byte in the encoding (Python's
 * UnicodeEncodeError; ftfy's `possible_encoding` check answers the same question). Every table character is in
 * the BMP, so a surrogate unit never encodes.
 */
export function encodeCharmap(text: string, encoding: CharmapEncoding): string | undefined {
  const encoder = encoderFor(encoding);
  const bytes = new Array<string>(text.length);
  for (let i = 0; i < text.length; i++) {
    const byte = encoder.get(text.charCodeAt(i));
    if (byte === undefined) return undefined;
    bytes[i] = String.fromCharCode(byte);
  }
  return bytes.join('');
}

/** Python's strict `bytes.decode('windows-1252')`: undefined where a byte is one of its five holes. */
export function decodeWindows1252Strict(bytes: string): string | undefined {
  const table = CHARMAP_DECODE_TABLES['sloppy-windows-1252'];
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes.charCodeAt(i);
    if (WINDOWS_1252_UNDEFINED_BYTES.includes(byte)) return undefined;
    // 0x1A is the one byte where sloppy-windows-1252 differs from windows-1252 besides the holes.
    out += byte === 0x1a ? '\u001a' : table[byte]!;
  }
  return out;
}

/** The character sloppy-windows-1252 decodes a Latin-1 C1 control (U+0080-U+009F) to: what browsers show. */
export function c1ControlAsWindows1252(char: string): string {
  return CHARMAP_DECODE_TABLES['sloppy-windows-1252'][char.charCodeAt(0)]!;
}
