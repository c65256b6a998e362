// ftfy.fixes.unescape_html: `&name;` entities (HTML5's, plus ftfy's upper-case forms such as &EACUTE;) and numeric
// references `&#NNN;` / `&#xHH;`, decoded as Python's html.unescape decodes them. Only complete references ending in
// ';' are touched, so "this&not that" stays as it is.
import { HTML_DROPPED_CODEPOINTS, HTML_ENTITIES, HTML_REPLACED_CHARREFS } from './ftfy-data/html-entities.js';
import { HTML_ENTITY_PATTERN } from './ftfy-data/patterns.js';

let entityPattern: RegExp | undefined;

/** `ftfy.fixes.unescape_html(text)`. */
export function unescapeHtml(text: string): string {
  entityPattern ??= new RegExp(HTML_ENTITY_PATTERN, 'gu');
  return text.replace(entityPattern, (reference) => {
    if (Object.hasOwn(HTML_ENTITIES, reference)) return HTML_ENTITIES[reference]!;
    if (!reference.startsWith('&#')) return reference;
    const decoded = decodeNumericReference(reference);
    // ftfy keeps the reference when html.unescape consumed only part of it, which leaves the ';' behind (and
    // also, as a side effect, when it decodes to ';' itself: &#59; stays).
    return decoded === undefined || decoded.includes(';') ? reference : decoded;
  });
}

/** html.unescape of a whole `&#...;` reference, or undefined when it would decode only a prefix of it (or none). */
function decodeNumericReference(reference: string): string | undefined {
  const match = /^&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));$/u.exec(reference);
  if (match === null) return undefined;
  // At most 22 digits: beyond 2^53 the value is inexact, but it is then far past U+10FFFF either way.
  const value = match[1] !== undefined ? Number.parseInt(match[1], 10) : Number.parseInt(match[2]!, 16);
  if (Object.hasOwn(HTML_REPLACED_CHARREFS, value)) return HTML_REPLACED_CHARREFS[value]!;
  if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return '\ufffd';
  if (HTML_DROPPED_CODEPOINTS.includes(value)) return '';
  return String.fromCodePoint(value);
}
