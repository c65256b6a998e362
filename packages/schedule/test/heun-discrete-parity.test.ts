import { describe, expect, it } from 'vitest';
import { HeunDiscreteScheduler } from '../src/heun-discrete-scheduler.js';
import { describeSamplerParity, loadSamplerReference, xT } from './sampler-parity.js';
import { describeSigmaSchedulerChecks } from './sigma-scheduler-checks.js';

const ref = loadSamplerReference('heun_discrete.json.gz');
const make = (config: Record<string, unknown>): HeunDiscreteScheduler => HeunDiscreteScheduler.fromConfig(config);

describeSamplerParity(ref, make);
describeSigmaSchedulerChecks(ref, make);

describe('HeunDiscreteScheduler', () => {
  it('interleaves 2S−1 timesteps and 2S sigmas, and never draws noise', () => {
    const s = make({});
    s.setTimesteps(4);
    const t = Array.from(s.timesteps);
    const sig = Array.from(s.sigmas);
    expect(t.length).toBe(7);
    expect(sig.length).toBe(8);
    expect([t[1], t[3], t[5]]).toEqual([t[2], t[4], t[6]]);
    expect([sig[1], sig[3], sig[5]]).toEqual([sig[2], sig[4], sig[6]]);
    expect(sig[7]).toBe(0);
    expect(t.map((x) => s.noiseDrawnAt(x))).toEqual(t.map(() => false));
  });

  it('stage 2 restarts from the sample kept by stage 1, not the one passed in', () => {
    const s = make({});
    s.setTimesteps(3);
    const x = xT().map((v) => v * s.initNoiseSigma);
    const eps = xT();
    s.scaleModelInput(x, s.timesteps[0]!);
    const first = Float32Array.from(s.step(eps, s.timesteps[0]!, x).prevSample);
    x.fill(1234); // the caller reuses its buffer: the scheduler kept a copy
    const t1 = s.timesteps[1]!;
    const a = Float32Array.from(s.step(eps, t1, first).prevSample);
    expect(s.stateInFirstOrder).toBe(true);
    // An Euler estimate with ε unchanged along the way: the average derivative is ε, so x_next = x + dt·ε.
    const dt = s.sigmas[1]! - s.sigmas[0]!;
    const expected = xT().map((v, i) => v * s.initNoiseSigma + dt * eps[i]!);
    for (let i = 0; i < 48; i++) expect(a[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('refuses a bad timestep spacing when built (diffusers plans 1000 steps in __init__)', () => {
    expect(() => make({ timestep_spacing: 'karras' })).toThrow(/timestep_spacing/);
  });
});
