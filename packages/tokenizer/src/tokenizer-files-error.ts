/** Longest quoted string an error message shows; longer strings are cut, never echoed whole. */
const MAX_QUOTED_CHARS = 80;

/**
 * A tokenizer folder whose files cannot be used: missing, too large, malformed, disagreeing with each other, or
 * asking for behaviour this tokenizer does not implement. `file` is the path (or the source label joined with the
 * file name); `key` the JSON key or `line N` when there is one.
 */
export class TokenizerFilesError extends Error {
  override readonly name = 'TokenizerFilesError';
  constructor(
    readonly file: string,
    readonly key: string | undefined,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${file}${key === undefined ? '' : ` (${key})`}: ${reason}`, options);
  }
}

/** A value for an error message: strings as JSON cut to MAX_QUOTED_CHARS characters, containers by their kind. */
export function quoted(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, MAX_QUOTED_CHARS))}… (${value.length} characters)`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
