/**
 * Argument validation shared by the public metric functions. Every failure is a RangeError that names
 * the function and the argument, so a caller sees which input was wrong without reading the code.
 */

export type Features = Float32Array | Float64Array;

export function checkCount(fn: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/** `values` must hold exactly `expected` finite numbers; `shape` describes `expected` for the message. */
export function checkFinite(fn: string, name: string, values: ArrayLike<number>, expected: number, shape: string): void {
  if (values.length !== expected) {
    throw new RangeError(`${fn}: ${name} has ${values.length} values, expected ${shape} = ${expected}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new RangeError(`${fn}: ${name}[${i}] is ${String(v)}; all values must be finite`);
    }
  }
}
