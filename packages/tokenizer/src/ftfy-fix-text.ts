// ftfy.fix_text with its default TextFixerConfig, which transformers' slow CLIPTokenizer runs on every prompt when
// ftfy is installed (ftfy 6.3.1, ftfy/__init__.py: fix_text, fix_and_explain).
import {
  fixCharacterWidth,
  fixLatinLigatures,
  fixLineBreaks,
  fixSurrogates,
  removeControlChars,
  removeTerminalEscapes,
  uncurlQuotes,
} from './ftfy-character-fixes.js';
import { fixC1Controls, fixEncoding } from './ftfy-fix-encoding.js';
import { unescapeHtml } from './ftfy-unescape-html.js';

/** TextFixerConfig.max_decode_length: the longest segment, in code points, fixed at once. */
const MAX_DECODE_LENGTH = 1_000_000;

/**
 * fix_and_explain's passes run until the text stops changing. ftfy has no limit (a text that cycled would hang
 * it); none is known to cycle, and this bound only keeps a pathological input from hanging here.
 */
const MAX_PASSES = 1_000;

/**
 * `ftfy.fix_text(text)`: the text is fixed in segments, each a line with its "\n" (or 1,000,000 code points of a
 * longer line). HTML unescaping is 'auto': once a segment contains '<' the text is taken for HTML, and that segment
 * and every later one keep their entities (ftfy replaces its config for the rest of the loop).
 */
export function fixText(text: string): string {
  const out: string[] = [];
  let unescape = true;
  let pos = 0;
  while (pos < text.length) {
    const newline = text.indexOf('\n', pos);
    let end = newline === -1 ? text.length : newline + 1;
    end = capSegment(text, pos, end);
    const segment = text.slice(pos, end);
    if (unescape && segment.includes('<')) unescape = false;
    out.push(fixSegment(segment, unescape));
    pos = end;
  }
  return out.join('');
}

/** `end`, or the end of the first MAX_DECODE_LENGTH code points after `start` when the segment is longer. */
function capSegment(text: string, start: number, end: number): number {
  if (end - start <= MAX_DECODE_LENGTH) return end; // code points <= UTF-16 units
  let at = start;
  for (let points = 0; points < MAX_DECODE_LENGTH && at < end; points++) {
    const unit = text.charCodeAt(at);
    const pair = unit >= 0xd800 && unit <= 0xdbff && at + 1 < end && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00;
    at += pair ? 2 : 1;
  }
  return at;
}

/** `fix_and_explain(segment)` without the explanation: every fixer in ftfy's order, until nothing changes. */
function fixSegment(text: string, unescape: boolean): string {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const original = text;
    if (unescape) text = unescapeHtml(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === original) return text;
  }
  return text;
}
