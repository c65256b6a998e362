import { describe, expect, it } from 'vitest';
import { EulerAncestralDiscreteScheduler } from '../src/euler-ancestral-discrete-scheduler.js';
import { describeSamplerParity, loadSamplerReference, xT } from './sampler-parity.js';
import { describeSigmaSchedulerChecks } from './sigma-scheduler-checks.js';

const ref = loadSamplerReference('euler_ancestral_discrete.json.gz');
const make = (config: Record<string, unknown>): EulerAncestralDiscreteScheduler => EulerAncestralDiscreteScheduler.fromConfig(config);
const INT_TIMESTEP = 'JavaScript has one number type: an integer-valued float timestep from `timesteps` is the timestep itself';

describeSamplerParity(ref, make);
describeSigmaSchedulerChecks(ref, make, { notApplicable: { 'eulera-err-001': INT_TIMESTEP } });

describe('EulerAncestralDiscreteScheduler', () => {
  it('draws noise at every step, the last included, and needs it', () => {
    const s = make({});
    s.setTimesteps(5);
    expect(Array.from(s.timesteps, (t) => s.noiseDrawnAt(t))).toEqual([true, true, true, true, true]);
    const t = s.timesteps[0]!;
    expect(() => s.step(xT(), t, xT())).toThrow(/noise is required/);
  });

  it("refuses prediction_type 'sample' when built (diffusers raises NotImplementedError at the first step)", () => {
    expect(() => make({ prediction_type: 'sample' })).toThrow(/prediction_type/);
  });
});
