import { InputError, type ModelCall } from '@denoise/sampler';

export const DEEP_CACHE_SCHEDULES = ['uniform', 'quadratic'] as const;
export type DeepCacheScheduleKind = (typeof DEEP_CACHE_SCHEDULES)[number];

/** DeepCache as a user asks for it (`--deepcache N`, `--deepcache-branch K`, `--deepcache-schedule`). */
export interface DeepCacheOptions {
  /** N: one full call in N, the calls between reuse its deep feature (DeepCache's cache_interval). An integer ≥ 2. */
  readonly interval: number;
  /** Where the UNet is cut (see DeepCacheTap in @denoise/diffusers); default 0, the shallowest. */
  readonly branch?: number | undefined;
  /**
   * 'uniform' (default): calls 0, N, 2N, … are full. 'quadratic': DeepCache's non-uniform schedule, as many full calls
   * packed densest around call `center` (default 30 % of the run) by the exponent `power` (default 1.4).
   */
  readonly schedule?: DeepCacheScheduleKind | undefined;
  readonly center?: number | undefined;
  readonly power?: number | undefined;
}

/** Checks the options a user gave; throws InputError naming the option and what is allowed. */
export function assertDeepCacheOptions(options: DeepCacheOptions): void {
  const { interval, branch, schedule, center, power } = options;
  if (!Number.isInteger(interval) || interval < 2) {
    throw new InputError('deepcache', interval, 'an integer ≥ 2', `--deepcache must be an integer ≥ 2 (one full call in N), got ${interval}`);
  }
  if (branch !== undefined && (!Number.isInteger(branch) || branch < 0)) {
    throw new InputError('deepcacheBranch', branch, 'an integer ≥ 0', `--deepcache-branch must be an integer ≥ 0, got ${branch}`);
  }
  if (schedule !== undefined && !DEEP_CACHE_SCHEDULES.includes(schedule)) {
    throw new InputError('deepcacheSchedule', schedule, DEEP_CACHE_SCHEDULES.join(' or '), `--deepcache-schedule must be ${DEEP_CACHE_SCHEDULES.join(' or ')}, got '${String(schedule)}'`);
  }
  if (schedule !== 'quadratic' && (center !== undefined || power !== undefined)) {
    throw new InputError('deepcacheSchedule', schedule ?? 'uniform', 'quadratic', 'a DeepCache center or power applies to the quadratic schedule only');
  }
  if (center !== undefined && (!Number.isInteger(center) || center < 0)) {
    throw new InputError('deepcacheCenter', center, 'an integer ≥ 0', `the DeepCache center must be an integer ≥ 0 (a model call), got ${center}`);
  }
  if (power !== undefined && !(power > 1 && power < 10)) {
    throw new InputError('deepcachePower', power, 'a number in (1, 10)', `the DeepCache power must be a number in (1, 10), got ${power}`);
  }
}

/** Which calls of a run of `count` model calls are full ones (true) and which reuse the deep feature. */
export function deepCacheFullCalls(count: number, options: DeepCacheOptions): boolean[] {
  const full = new Array<boolean>(count).fill(false);
  if (options.schedule === 'quadratic') {
    const center = options.center ?? Math.round(0.3 * count);
    for (const i of quadraticFullCalls(count, Math.ceil(count / options.interval), center, options.power ?? 1.4)) full[i] = true;
  } else {
    for (let i = 0; i < count; i += options.interval) full[i] = true;
  }
  return full;
}

/** Whether a model call recomputes the deep feature: the first of every run, and those the schedule names. */
export function isFullCall(call: ModelCall | undefined, options: DeepCacheOptions, memo: Map<number, boolean[]>): boolean {
  if (call === undefined || call.index === 0) return true;
  let full = memo.get(call.count);
  if (!full) memo.set(call.count, (full = deepCacheFullCalls(call.count, options)));
  return full[call.index] ?? true;
}

/**
 * DeepCache's sample_from_quad_center: `samples` full-call indices over `total` calls, 0 first, spaced as the
 * `power`-th powers of evenly spaced points between (−center)^(1/power) and (total − center)^(1/power) — the first
 * of them complex, as Python's power of a negative float is — truncated to integers, de-duplicated, the smallest and
 * largest dropped, shifted by `center`. When the de-duplication leaves too few, the power is lowered by 0.02 and the
 * spacing tried again, as DeepCache does; it fails when the power reaches 1.
 */
export function quadraticFullCalls(total: number, samples: number, center: number, power: number): number[] {
  if (center >= total) throw new InputError('deepcacheCenter', center, `a call index below ${total}`, `the DeepCache center ${center} is not a call of this ${total}-call run`);
  for (let p = power; p > 1; p -= 0.02) {
    // (−center)^(1/p), principal branch: |center|^(1/p)·e^(iπ/p).
    const startAbs = center ** (1 / p);
    const start = { re: startAbs * Math.cos(Math.PI / p), im: startAbs * Math.sin(Math.PI / p) };
    const stop = (total - center) ** (1 / p);
    const values = new Set<number>();
    for (let k = 0; k <= samples; k++) {
      // numpy.linspace: start + k·step, the last point exactly `stop`.
      const re = k === samples ? stop : start.re + k * ((stop - start.re) / samples);
      const im = k === samples ? 0 : start.im + k * ((0 - start.im) / samples);
      // The real part of (re + i·im)^p, truncated toward zero as numpy's int32 cast of a complex value does.
      const modulus = Math.hypot(re, im) ** p;
      values.add(Math.trunc(modulus * Math.cos(p * Math.atan2(im, re))));
    }
    const sorted = [...values].sort((a, b) => a - b);
    const indices = [0, ...sorted.slice(1, -1).map((x) => x + center)];
    if (indices.length === samples) return indices;
  }
  throw new InputError('deepcachePower', power, 'a larger power or a center nearer the middle', `DeepCache's quadratic schedule finds no ${samples} distinct full calls among ${total} around call ${center}`);
}
