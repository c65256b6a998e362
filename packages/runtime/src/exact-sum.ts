/**
 * Python's `math.fsum`: the exactly rounded sum of float64 values (Shewchuk 1997, "Adaptive precision floating-point
 * arithmetic", the partials algorithm as CPython's mathmodule.c runs it, with its final round-half-even correction).
 * Finite inputs only; the partials stay exact as long as no intermediate overflows.
 */
export function fsum(values: ArrayLike<number>, start = 0, end = values.length): number {
  const partials: number[] = [];
  for (let k = start; k < end; k++) {
    let x = values[k]!;
    let i = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j]!;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    if (x !== 0) partials.push(x);
  }
  // Add the partials from the largest down until the sum is inexact, then round half-even on the rest's sign.
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
