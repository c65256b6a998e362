import { deepCacheFullCalls, type DeepCacheOptions } from '@denoise/runtime';

/**
 * Model time by kind of call, for speeds that stay time-matched when configurations call different networks: a
 * plain call, DeepCache's full and shallow calls (per branch: the shallow forward's cost depends on it), each in
 * float32 or int8. Kinds are pooled over the run separately (see timeMatchedSpeedup).
 */
export type CallKindTimes = Record<string, { readonly calls: number; readonly ms: number }>;

/** The kinds of a batch's calls, in order, and the time of each summed by kind. */
export function callKindTimes(modelMs: Float64Array, model: { readonly deepCache: DeepCacheOptions | undefined; readonly int8: boolean }): CallKindTimes {
  const precision = model.int8 ? 'int8' : 'float32';
  const { deepCache } = model;
  const full = deepCache ? deepCacheFullCalls(modelMs.length, deepCache) : undefined;
  const times: CallKindTimes = {};
  modelMs.forEach((ms, i) => {
    const kind = full ? `${precision} deepcache-b${deepCache!.branch ?? 0} ${full[i] !== false ? 'full' : 'shallow'}` : precision;
    const sum = times[kind] ?? { calls: 0, ms: 0 };
    times[kind] = { calls: sum.calls + 1, ms: sum.ms + ms };
  });
  return times;
}
