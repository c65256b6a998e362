// ftfy's encoding repair (ftfy.fix_encoding with the default config): text that looks like mojibake is encoded
// back into the single-byte encoding it was wrongly decoded with and decoded again as UTF-8, step by step until
// nothing changes. What it tries, in order, for one step (ftfy/__init__.py, _fix_encoding_one_step_and_explain):
//   1. each of CHARMAP_ENCODINGS the whole text can be encoded in: repair the bytes (restore_byte_a0 except in
//      macroman, replace_lossy_sequences in the sloppy codecs) and decode them as UTF-8, the first that decodes wins;
//   2. decode_inconsistent_utf8: fix the runs that look like UTF-8 mojibake one by one;
//   3. text that is Latin-1 with C1 controls: re-read it as (strict) windows-1252;
//   4. fix_c1_controls on the C1 characters alone.
import { isBad } from './ftfy-badness.js';
import { hasAlteredUtf8, replaceLossySequences, restoreByteA0 } from './ftfy-byte-fixes.js';
import { c1ControlAsWindows1252, decodeWindows1252Strict, encodeCharmap } from './ftfy-charmap-codec.js';
import { CHARMAP_ENCODINGS } from './ftfy-data/charmaps.js';
import { C1_CONTROL_PATTERN, UTF8_DETECTOR_PATTERN } from './ftfy-data/patterns.js';
import { decodeUtf8Variants } from './ftfy-utf8-decode.js';

let utf8Detector: RegExp | undefined;
let c1Control: RegExp | undefined;

const isAscii = (text: string): boolean => /^[\u0000-\u007f]*$/u.test(text);

/** `ftfy.fix_encoding(text)`: one-step repairs, repeated until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const fixed = fixEncodingOneStep(text);
    if (fixed === text) return text;
    text = fixed;
  }
}

function fixEncodingOneStep(text: string): string {
  if (text.length === 0 || isAscii(text) || !isBad(text)) return text;

  const encodable: string[] = [];
  for (const encoding of CHARMAP_ENCODINGS) {
    let bytes = encodeCharmap(text, encoding);
    if (bytes === undefined) continue;
    encodable.push(encoding);
    // macroman is left out: there an en dash followed by a space would look like an altered sequence.
    if (encoding !== 'macroman' && hasAlteredUtf8(bytes)) bytes = restoreByteA0(bytes);
    if (encoding.startsWith('sloppy')) bytes = replaceLossySequences(bytes);
    const decoded = decodeUtf8Variants(bytes);
    if (decoded !== undefined) return decoded;
  }

  utf8Detector ??= new RegExp(UTF8_DETECTOR_PATTERN, 'gu');
  utf8Detector.lastIndex = 0;
  if (utf8Detector.test(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }

  // ftfy tests for "windows-1252" among the encodable ones, a name its list never holds (it has the sloppy
  // variant), so Latin-1 text always takes the re-decoding branch; strict windows-1252 fails on its five holes.
  if (encodable.includes('latin-1')) {
    const fixed = decodeWindows1252Strict(encodeCharmap(text, 'latin-1')!);
    if (fixed !== undefined && fixed !== text) return fixed;
  }

  c1Control ??= new RegExp(C1_CONTROL_PATTERN, 'gu');
  c1Control.lastIndex = 0;
  if (c1Control.test(text)) return fixC1Controls(text);
  return text;
}

/**
 * `decode_inconsistent_utf8`: each run that looks like UTF-8 mojibake, is shorter than the whole text and is bad on
 * its own is fixed with fix_encoding by itself (text mixing two encodings has no single re-decoding).
 */
export function decodeInconsistentUtf8(text: string): string {
  utf8Detector ??= new RegExp(UTF8_DETECTOR_PATTERN, 'gu');
  return text.replace(utf8Detector, (run) => (run.length < text.length && isBad(run) ? fixEncoding(run) : run));
}

/** `fix_c1_controls`: each C1 control character becomes its windows-1252 reading, as HTML5 decoders do. */
export function fixC1Controls(text: string): string {
  c1Control ??= new RegExp(C1_CONTROL_PATTERN, 'gu');
  return text.replace(c1Control, c1ControlAsWindows1252);
}
