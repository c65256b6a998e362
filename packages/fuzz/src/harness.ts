// The fuzz harness: fc.check with a one-line report of the runs made, and the "returns, or throws only the allowed
// error, within the time limit" check of one parse. Seeds, run counts and time limits are the caller's.
import fc from 'fast-check';

/** An error class the parser under test may throw, or a test of the error it threw. */
export type AllowedErrors = readonly (new (...args: never[]) => Error)[] | ((error: unknown) => boolean);

function isAllowed(error: unknown, allowed: AllowedErrors): boolean {
  return typeof allowed === 'function' ? allowed(error) : allowed.some((type) => error instanceof type);
}

function checkTime(started: number, perCallMs: number): void {
  const ms = performance.now() - started;
  if (!(ms < perCallMs)) throw new Error(`took ${ms.toFixed(1)} ms, the limit for one call is ${perCallMs} ms`);
}

function report<T>(label: string, details: fc.RunDetails<T>, params: fc.Parameters<T>): void {
  console.log(`fuzz ${label}: ${details.numRuns} runs${details.interrupted ? ' (stopped at the time limit)' : ''}, seed ${String(params.seed)}`);
  if (details.failed) {
    const cause = details.errorInstance;
    throw new Error(`${fc.defaultReportMessage(details) ?? ''}\nGot: ${cause instanceof Error ? `${cause.name}: ${cause.message.slice(0, 500)}` : String(cause)}`, { cause });
  }
}

/** fc.assert that also reports how many runs were made (fewer when `interruptAfterTimeLimit` stops it on a slow machine). */
export function fuzz<T>(label: string, property: fc.IProperty<T>, params: fc.Parameters<T>): void {
  report(label, fc.check(property, params), params);
}

/** `fuzz` for an async property. */
export async function fuzzAsync<T>(label: string, property: fc.IAsyncProperty<T>, params: fc.Parameters<T>): Promise<void> {
  report(label, await fc.check(property, params), params);
}

/** Runs `run`, failing when it takes `perCallMs` or more (whether it returns or throws). */
export function timed<T>(run: () => T, perCallMs: number): T {
  const started = performance.now();
  try {
    return run();
  } finally {
    checkTime(started, perCallMs);
  }
}

/**
 * Runs `parse`, timing it: an error that is not `allowed` fails the property with the error itself; an allowed one,
 * or a result, must come within `perCallMs`; a result is then handed to `onResult` for the caller's checks.
 */
export function expectTypedOutcome<T>(parse: () => T, allowed: AllowedErrors, perCallMs: number, onResult: (value: T) => void = () => {}): void {
  const started = performance.now();
  let result: T;
  try {
    result = parse();
  } catch (error) {
    if (!isAllowed(error, allowed)) throw error;
    checkTime(started, perCallMs);
    return;
  }
  checkTime(started, perCallMs);
  onResult(result);
}

/** `expectTypedOutcome` for an async parse; `onResult` may be async too. */
export async function expectTypedOutcomeAsync<T>(
  parse: () => Promise<T>,
  allowed: AllowedErrors,
  perCallMs: number,
  onResult: (value: T) => void | Promise<void> = () => {},
): Promise<void> {
  const started = performance.now();
  let result: T;
  try {
    result = await parse();
  } catch (error) {
    if (!isAllowed(error, allowed)) throw error;
    checkTime(started, perCallMs);
    return;
  }
  checkTime(started, perCallMs);
  await onResult(result);
}
