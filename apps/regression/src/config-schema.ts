/**
 * zod building blocks for the JSON this app reads, whose errors read as denoise's ConfigError: every schema's
 * message is the "allowed" part (what the key may hold), and configErrorOf turns zod's first issue into
 * `invalid <key path>: got <value>; allowed: <what>`.
 */
import { ConfigError } from '@denoise/schedule';
import { z } from 'zod';

/** The value a refinement's issue is about (`params`), when it is not simply the input at the issue's path. */
export interface IssueValue {
  readonly value: unknown;
}

/** A JSON object with exactly these keys (any subset of them): an unknown key is refused, naming the known ones. */
export function jsonObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? `no such key; known: ${known}` : 'a JSON object') });
}

export function nonEmptyString() {
  return z.string({ error: 'a non-empty string' }).min(1, { error: 'a non-empty string' });
}

/** A safe integer ≥ min. */
export function integerFrom(min: number) {
  return z.int({ error: `an integer ≥ ${min}` }).min(min, { error: `an integer ≥ ${min}` });
}

/** A finite number in [min, max] (max may be Infinity). */
export function finiteIn(min: number, max: number) {
  const allowed = `a finite number in [${min}, ${max === Infinity ? '∞)' : `${max}]`}`;
  const number = z.number({ error: allowed }).min(min, { error: allowed });
  return max === Infinity ? number : number.max(max, { error: allowed });
}

/** One of `values`, listed in the message (with `note` after the list). */
export function enumOf<const Values extends readonly string[]>(values: Values, note = '') {
  return z.enum(values, { error: `${values.join(', ')}${note}` });
}

/**
 * The ConfigError for zod's first issue: the key path as `a.b[0].c` (`root` for the whole input), the value at
 * that path in `input` (or the refinement's own `params.value`), and the schema's message as what is allowed.
 */
export function configErrorOf(error: z.ZodError, input: unknown, root: string): ConfigError {
  const issue = error.issues[0]!;
  const path: PropertyKey[] = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : [...issue.path];
  const params = issue.code === 'custom' ? (issue.params as IssueValue | undefined) : undefined;
  const value = params !== undefined ? params.value : valueAt(input, path);
  return new ConfigError(formatPath(path) || root, value, issue.message, { cause: error });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
