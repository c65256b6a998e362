// Shared by the parity tests: loads the diffusers / PyTorch reference figures from fixtures/parity
// and compares arrays under the tolerance rule |actual − expected| ≤ atol + rtol·|expected|.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const PARITY_DIR = new URL('../../../fixtures/parity/', import.meta.url);

/** Reads fixtures/parity/<name>, transparently un-gzipping `.gz` files. */
export function loadParity<T = any>(name: string): T {
  const bytes = readFileSync(new URL(name, PARITY_DIR));
  const text = name.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return JSON.parse(text) as T;
}

export type Figure = number | 'NaN' | 'Infinity' | '-Infinity';

export function num(v: Figure): number {
  return typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** Describes the worst element outside the tolerance, or returns null when all are within it. */
export function mismatch(actual: ArrayLike<number>, expected: readonly Figure[], tol: Tolerance): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`;
  let worst: string | null = null;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = num(expected[i] as Figure);
    const a = actual[i] as number;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0) && (worst === null || excess > worstExcess)) {
      worstExcess = excess;
      worst = `element ${i}: got ${a}, expected ${e}`;
    }
  }
  return worst;
}
