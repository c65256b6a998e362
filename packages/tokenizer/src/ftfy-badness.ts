// ftfy's mojibake heuristic (ftfy/badness.py): text "is bad" when it contains one of the character sequences of
// BADNESS_RE, which are far likelier to come from UTF-8 decoded in the wrong encoding than from real text.
import { BADNESS_PATTERN } from './ftfy-data/patterns.js';

let badness: RegExp | undefined;

/** `ftfy.badness.is_bad(text)`. */
export function isBad(text: string): boolean {
  badness ??= new RegExp(BADNESS_PATTERN, 'u');
  return badness.test(text);
}
