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

  it('adds none of the noise it draws at the last step (σ_up = 0), so a one-step run is a function of x_T alone', () => {
    for (const spacing of ['leading', 'trailing']) {
      const prev = (noiseScale: number): Float32Array => {
        const s = make({ timestep_spacing: spacing });
        s.setTimesteps(1);
        const x = xT();
        const noise = x.map((v) => noiseScale * v + 1);
        return s.step(x.map((v) => 0.5 * v), s.timesteps[0]!, x, { noise }).prevSample.slice();
      };
      expect(prev(-3)).toEqual(prev(7));
      const s = make({ timestep_spacing: spacing });
      s.setTimesteps(2);
      const x = xT();
      const a = s.step(x, s.timesteps[0]!, x, { noise: x.map(() => 1) }).prevSample.slice();
      const s2 = make({ timestep_spacing: spacing });
      s2.setTimesteps(2);
      const b = s2.step(x, s2.timesteps[0]!, x, { noise: x.map(() => -1) }).prevSample.slice();
      expect(a).not.toEqual(b); // an earlier step does add it
    }
  });

  it("refuses prediction_type 'sample' when built (diffusers raises NotImplementedError at the first step)", () => {
    expect(() => make({ prediction_type: 'sample' })).toThrow(/prediction_type/);
  });
});
