import { describe, expect, it } from 'vitest';
import { callKindTimes } from '../src/call-kinds.js';

describe('callKindTimes', () => {
  it('sums the model time of each kind of call: plain, or DeepCache full / shallow per branch, float32 or int8', () => {
    const ms = Float64Array.of(10, 2, 3, 11, 2, 4, 12);
    expect(callKindTimes(ms, { deepCache: undefined, int8: false })).toEqual({ float32: { calls: 7, ms: 44 } });
    expect(callKindTimes(ms, { deepCache: { interval: 3 }, int8: true })).toEqual({
      'int8 deepcache-b0 full': { calls: 3, ms: 33 },
      'int8 deepcache-b0 shallow': { calls: 4, ms: 11 },
    });
    expect(Object.keys(callKindTimes(ms, { deepCache: { interval: 3, branch: 2, schedule: 'quadratic' }, int8: false }))).toEqual(['float32 deepcache-b2 full', 'float32 deepcache-b2 shallow']);
  });
});
