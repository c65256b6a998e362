import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';

/**
 * An integer option: digits with an optional sign and surrounding blanks, a safe integer, from `min` to `max`.
 * Anything else is refused with "expected <what>, got '<value>'" (commander adds the option's name); `what` is
 * "an integer ≥ <min>" (and "≤ <max>" when there is a bound) unless given.
 */
export function integerOption(min: number, what?: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const expected = what ?? (max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`);
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${expected}, got '${quoted(value)}'`);
    }
    return n;
  };
}

/** A finite number (guidance scales may be negative or zero, as diffusers takes them). */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${quoted(value)}'`);
  return n;
}

/** A finite number ≥ 0. */
export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got '${quoted(value)}'`);
  return n;
}

/** The most onnxruntime intra-op threads `--threads` takes: 4 per core of this machine. */
export const MAX_THREADS = 4 * availableParallelism();

/** `--threads`: 1 to MAX_THREADS; more would only oversubscribe the cores (and a huge count exhausts memory). */
export const threadCount = integerOption(1, `an integer from 1 to ${MAX_THREADS} (4 × ${availableParallelism()} cores)`, MAX_THREADS);

/** A value as an error message quotes it: at most 80 characters. */
function quoted(value: string): string {
  return value.length <= 80 ? value : `${value.slice(0, 77)}...`;
}

/** Pseudo-file systems where no output can go (a write under /proc hangs or fails only after the run's work). */
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys'];

/** The pseudo-file system an output path lies under ('/proc' or '/sys'), or undefined. */
export function pseudoFileSystemOf(path: string): string | undefined {
  const absolute = resolve(path);
  return PSEUDO_FILE_SYSTEMS.find((root) => absolute === root || absolute.startsWith(`${root}/`));
}
