import { describe, expect, it } from 'vitest';
import { ConfigError, DDIMScheduler } from '../src/index.js';

const n = 18;
const sample = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const modelOutput = Float32Array.from({ length: n }, (_, i) => Math.cos(2 * i));
const noise = Float32Array.from({ length: n }, (_, i) => Math.sin(3 * i + 1));

/** η = 0, epsilon, no clipping: x_prev = √ᾱ_prev·x0 + √(1−ᾱ_prev)·ε, with x0 = (x − √(1−ᾱ)·ε)/√ᾱ. */
function ddimClosedForm(a: number, ap: number): Float32Array {
  return sample.map((x, i) => {
    const e = modelOutput[i]!;
    const x0 = (x - Math.sqrt(1 - a) * e) / Math.sqrt(a);
    return Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * e;
  });
}

function closeTo(actual: Float32Array, expected: Float32Array): void {
  for (let i = 0; i < n; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected[i]!)));
}

describe("DDIM prev-timestep policy", () => {
  it("'diffusers' (default) steps t − N // S, off the plan for trailing with 7 steps", () => {
    const s = DDIMScheduler.fromConfig({ timestep_spacing: 'trailing', clip_sample: false });
    s.setTimesteps(7);
    expect(Array.from(s.timesteps)).toEqual([999, 856, 713, 570, 428, 285, 142]);
    expect(s.previousTimestep(999)).toBe(857);
    expect(s.previousTimestep(142)).toBe(0);
    closeTo(s.step(modelOutput, 999, sample).prevSample, ddimClosedForm(s.alphasCumprod[999]!, s.alphasCumprod[857]!));
  });

  it("'schedule' steps to the next planned timestep, and to the final ᾱ after the last", () => {
    const s = DDIMScheduler.fromConfig({ timestep_spacing: 'trailing', clip_sample: false, prev_timestep: 'schedule' });
    expect(s.config.prevTimestep).toBe('schedule');
    s.setTimesteps(7);
    expect(Array.from(s.timesteps, (t) => s.previousTimestep(t))).toEqual([856, 713, 570, 428, 285, 142, -1]);
    closeTo(s.step(modelOutput, 999, sample).prevSample, ddimClosedForm(s.alphasCumprod[999]!, s.alphasCumprod[856]!));
    closeTo(s.step(modelOutput, 142, sample).prevSample, ddimClosedForm(s.alphasCumprod[142]!, 1));
  });

  it("'schedule' follows linspace plans (166.5 rounds half to even), where N // S misses the plan", () => {
    const s = DDIMScheduler.fromConfig({ timestep_spacing: 'linspace', prev_timestep: 'schedule' });
    s.setTimesteps(7);
    expect(Array.from(s.timesteps)).toEqual([999, 832, 666, 500, 333, 166, 0]);
    expect(s.previousTimestep(832)).toBe(666);
    expect(s.previousTimestep(0)).toBe(-1);
  });

  it('both policies agree step for step on leading plans', () => {
    const a = DDIMScheduler.fromConfig({ steps_offset: 1 });
    const b = DDIMScheduler.fromConfig({ steps_offset: 1, prev_timestep: 'schedule' });
    a.setTimesteps(50);
    b.setTimesteps(50);
    for (const t of a.timesteps) {
      expect(a.step(modelOutput, t, sample, { eta: 1, noise })).toEqual(b.step(modelOutput, t, sample, { eta: 1, noise }));
    }
  });

  it("before setTimesteps, 'diffusers' refuses to step (as diffusers does) and 'schedule' steps t → t − 1", () => {
    expect(() => DDIMScheduler.fromConfig({}).step(modelOutput, 999, sample)).toThrow(/setTimesteps/);
    expect(DDIMScheduler.fromConfig({ prev_timestep: 'schedule' }).previousTimestep(999)).toBe(998);
  });

  it("'schedule' rejects a timestep that is not in the plan", () => {
    const s = DDIMScheduler.fromConfig({ prev_timestep: 'schedule' });
    s.setTimesteps(10);
    expect(() => s.step(modelOutput, 901, sample)).toThrow(RangeError);
  });

  it('is read from prev_timestep or prevTimestep, not both', () => {
    expect(DDIMScheduler.fromConfig({ prevTimestep: 'schedule' }).config.prevTimestep).toBe('schedule');
    expect(() => DDIMScheduler.fromConfig({ prevTimestep: 'schedule', prev_timestep: 'diffusers' })).toThrow(ConfigError);
  });

  it('the config eta is the default η of step, and an explicit negative η is refused', () => {
    const s = DDIMScheduler.fromConfig({ eta: 1 });
    s.setTimesteps(10);
    expect(s.noiseDrawnAt(500)).toBe(true);
    expect(s.noiseDrawnAt(500, { eta: 0 })).toBe(false);
    expect(s.step(modelOutput, 500, sample, { noise })).toEqual(s.step(modelOutput, 500, sample, { noise, eta: 1 }));
    expect(() => s.step(modelOutput, 500, sample, { noise, eta: -0.1 })).toThrow(ConfigError);
  });
});
