/**
 * A value given to sampling that it cannot take: the caller's input, not a bug. It names the input (`key`: an option
 * such as 'eta', 'strength', 'classLabels', or 'schedule' for a scheduler config whose plan a step cannot run), the
 * value, and what is allowed, so that a CLI can say which flag or file it came from. RangeError and TypeError are
 * left to what they mean in JavaScript: a bug.
 */
export class InputError extends Error {
  override readonly name = 'InputError';

  constructor(
    readonly key: string,
    readonly value: unknown,
    /** What the input may be, in words ('a finite number ≥ 0', 'an integer in [0, 9]'). */
    readonly allowed: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
