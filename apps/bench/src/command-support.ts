/** What the bench's commands (the sweep, merge, compare, features, fid) share: the log, argument parsing, exit codes. */
import { CommanderError, InvalidArgumentError } from 'commander';
import { InputError } from '@denoise/sampler';
import { ConfigError } from '@denoise/schedule';
import { ExecutionProviderError, InsufficientMemoryError, ModelLoadError } from '@denoise/runtime';
import type { BenchLog } from './bench-model.js';
import { BenchInputError } from './bench-input-error.js';
import { SweepFileError } from './sweep-store.js';

/** Progress lines on stderr, each stamped with the seconds since the command started. */
export const timedLog = (): BenchLog => {
  const started = performance.now();
  return (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
};

/** Parses a subcommand's arguments: undefined to go on, else the exit code (commander has printed the help or the error). */
export function parseArguments(program: { parse(argv: readonly string[], options: { from: 'user' }): unknown }, argv: readonly string[]): number | undefined {
  try {
    program.parse([...argv], { from: 'user' });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}

/**
 * Exit 2, as in `denoise sample`: an input the bench cannot use (a missing or corrupt model, a scheduler config it
 * refuses, a configuration that config cannot run, an unusable provider, a bad option value); anything else is 1.
 */
export function isUnusableInput(error: unknown): boolean {
  return (
    error instanceof BenchInputError ||
    error instanceof SweepFileError ||
    error instanceof InsufficientMemoryError ||
    error instanceof ModelLoadError ||
    error instanceof ConfigError ||
    error instanceof ExecutionProviderError ||
    error instanceof InvalidArgumentError ||
    error instanceof InputError
  );
}

/** Runs a command's work: 0, or the error on stderr and 2 (unusable input) or 1. */
export async function exitCodeOf(command: string, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (error) {
    process.stderr.write(`${command}: ${(error as Error).message}\n`);
    return isUnusableInput(error) ? 2 : 1;
  }
}
