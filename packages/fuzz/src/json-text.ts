import fc from 'fast-check';
import { byteMutations, mutate } from './bytes.js';
import { jsonMutations, mutateJson, type Json } from './json.js';

/** A string (key or value), or a literal value (true, false, null, a number): the places a dictionary word is written over. */
const TOKEN = /"(?:[^"\\]|\\.)*"|\btrue\b|\bfalse\b|\bnull\b|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g;

/** One step on a JSON file's text: a byte edit, a structural JSON edit, or a word of the dictionary over one of its strings or literals. */
export type JsonTextStep =
  | { readonly kind: 'bytes'; readonly edits: Parameters<typeof mutate>[1] }
  | { readonly kind: 'json'; readonly edits: Parameters<typeof mutateJson>[1] }
  | { readonly kind: 'word'; readonly target: number; readonly word: string };

/**
 * Steps on a JSON file's text. `names` are written as JSON strings, `values` as they are (JSON text: objects, deep
 * nesting, huge numbers). `wordWeight` makes the dictionary steps that many times as likely as each of the others.
 */
export function jsonTextSteps(names: readonly string[], values: readonly string[], wordWeight = 1): fc.Arbitrary<JsonTextStep[]> {
  const step: fc.Arbitrary<JsonTextStep> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('bytes' as const), edits: byteMutations }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('json' as const), edits: jsonMutations }), weight: 1 },
    {
      arbitrary: fc.record({ kind: fc.constant('word' as const), target: fc.nat(), word: fc.oneof(fc.constantFrom(...names).map((n) => JSON.stringify(n)), fc.constantFrom(...values)) }),
      weight: wordWeight,
    },
  );
  return fc.array(step, { minLength: 1, maxLength: 3 });
}

/** `text` after the steps, in order. */
export function applyJsonTextSteps(text: string, steps: readonly JsonTextStep[]): string {
  for (const s of steps) {
    if (s.kind === 'bytes') text = mutate(Buffer.from(text, 'utf8'), s.edits).toString('utf8');
    else if (s.kind === 'json') {
      try {
        text = JSON.stringify(mutateJson(JSON.parse(text) as Json, s.edits));
      } catch {
        // An earlier step broke the JSON, or nested it deeper than JSON.stringify goes: nothing to restructure.
      }
    } else {
      const tokens = [...text.matchAll(TOKEN)];
      if (tokens.length === 0) continue;
      const m = tokens[s.target % tokens.length]!;
      text = text.slice(0, m.index) + s.word + text.slice(m.index + m[0].length);
    }
  }
  return text;
}
