import { describe, expect, it } from 'vitest';
import { EulerDiscreteScheduler } from '../src/euler-discrete-scheduler.js';
import { describeSamplerParity, loadSamplerReference, noiseDraw, xT } from './sampler-parity.js';
import { describeSigmaSchedulerChecks } from './sigma-scheduler-checks.js';

const ref = loadSamplerReference('euler_discrete.json.gz');
const make = (config: Record<string, unknown>): EulerDiscreteScheduler => EulerDiscreteScheduler.fromConfig(config);
const INT_TIMESTEP = 'JavaScript has one number type: an integer-valued float timestep from `timesteps` is the timestep itself';
const CUSTOM = 'setTimesteps takes a step count only (no custom timesteps or sigmas)';

describeSamplerParity(ref, make);
describeSigmaSchedulerChecks(ref, make, {
  notApplicable: { 'euler-err-000': INT_TIMESTEP, 'euler-err-001': INT_TIMESTEP, 'euler-err-017': CUSTOM, 'euler-err-018': CUSTOM },
});

describe('EulerDiscreteScheduler churn', () => {
  const sd = { beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 };

  it('draws noise only where s_tmin ≤ σ ≤ s_tmax and s_churn > 0', () => {
    const s = make({ ...sd, use_karras_sigmas: true });
    s.setTimesteps(20);
    const churn = { sChurn: 2, sTmin: 0.5, sTmax: 10 };
    const drawn = Array.from(s.timesteps, (t, i) => {
      s.setBeginIndex(i);
      return s.noiseDrawnAt(t, { churn });
    });
    const expected = Array.from(s.timesteps, (_, i) => s.sigmas[i]! >= 0.5 && s.sigmas[i]! <= 10);
    expect(drawn).toEqual(expected);
    expect(drawn.some(Boolean) && !drawn.every(Boolean)).toBe(true);
    expect(s.noiseDrawnAt(s.timesteps[3]!, { churn: { sChurn: 0 } })).toBe(false);
    expect(s.noiseDrawnAt(s.timesteps[3]!)).toBe(false);
  });

  it('needs the noise where it churns, and refuses bad churn values', () => {
    const s = make(sd);
    s.setTimesteps(10);
    const t = s.timesteps[0]!;
    const x = xT();
    expect(() => s.step(x, t, x, { churn: { sChurn: 1 } })).toThrow(/noise is required/);
    expect(() => s.step(x, t, x, { churn: { sChurn: -1 }, noise: noiseDraw(0) })).toThrow(/s_churn/);
    expect(() => s.step(x, t, x, { churn: { sChurn: 1, sNoise: NaN }, noise: noiseDraw(0) })).toThrow(/s_noise/);
  });

  it('with γ = 0 the churned step equals the plain step (the noise is ignored)', () => {
    const a = make(sd);
    const b = make(sd);
    a.setTimesteps(10);
    b.setTimesteps(10);
    const t = a.timesteps[0]!;
    const x = xT().map((v) => v * a.initNoiseSigma);
    const eps = xT();
    a.scaleModelInput(x, t);
    b.scaleModelInput(x, t);
    const pa = a.step(eps, t, x).prevSample;
    const pb = b.step(eps, t, x, { churn: { sChurn: 1, sTmax: 1 }, noise: noiseDraw(0) }).prevSample;
    expect(pb).toEqual(pa);
  });
});
