// LCMScheduler's step index, as diffusers' `_init_step_index`: found from the first step's timestep, or the begin
// index (img2img by slicing the plan); it then advances one planned timestep per step, and a step off that order is
// a RangeError rather than a silent step with the wrong ᾱ_prev.
import { describe, expect, it } from 'vitest';
import { ConfigError, LCMScheduler } from '../src/index.js';

const n = 8;
const sample = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const eps = Float32Array.from({ length: n }, (_, i) => Math.cos(3 * i));
const noise = Float32Array.from({ length: n }, (_, i) => Math.sin(2 * i + 1));

describe('LCMScheduler step index', () => {
  it('the first step looks its timestep up; later ones must follow the plan', () => {
    const s = LCMScheduler.fromConfig({});
    s.setTimesteps(4); // 999, 759, 499, 259
    expect(s.stepIndex).toBeNull();
    s.step(eps, 759, sample, { noise });
    expect(s.stepIndex).toBe(2);
    expect(() => s.step(eps, 259, sample, { noise })).toThrow(/step 3 of the plan is at timestep 499, not 259/);
    expect(s.noiseDrawnAt(499)).toBe(true);
    s.step(eps, 499, sample, { noise });
    expect(s.noiseDrawnAt(259)).toBe(false);
    s.step(eps, 259, sample);
    expect(() => s.step(eps, 259, sample)).toThrow(/all 4 planned timesteps have been stepped/);
    s.setTimesteps(4);
    expect(s.stepIndex).toBeNull();
  });

  it('setBeginIndex starts part-way (StableDiffusionImg2ImgPipeline with LCMScheduler); setTimesteps clears it', () => {
    const s = LCMScheduler.fromConfig({});
    s.setTimesteps(4);
    s.setBeginIndex(2);
    expect(s.beginIndex).toBe(2);
    expect(() => s.step(eps, 759, sample, { noise })).toThrow(RangeError);
    const out = s.step(eps, 499, sample, { noise });
    expect(s.stepIndex).toBe(3);
    // From index 2 the next planned timestep is 259, whose ᾱ the noise is scaled to.
    const ap = s.alphasCumprod[259]!;
    const i = 5;
    expect(out.prevSample[i]).toBeCloseTo(Math.sqrt(ap) * out.denoised![i]! + Math.sqrt(1 - ap) * noise[i]!, 6);
    s.setTimesteps(4);
    expect(s.beginIndex).toBeNull();
    expect(() => s.setBeginIndex(4)).toThrow(RangeError);
  });

  it('a failed step changes nothing: the index stays where it was', () => {
    const s = LCMScheduler.fromConfig({});
    s.setTimesteps(2);
    expect(() => s.step(eps, 999, sample)).toThrow(/noise is required/);
    expect(() => s.step(eps.subarray(1), 999, sample, { noise })).toThrow(RangeError);
    expect(s.stepIndex).toBeNull();
    s.step(eps, 999, sample, { noise });
    expect(s.stepIndex).toBe(1);
  });

  it('setTimesteps options: original_inference_steps and strength, checked', () => {
    const s = LCMScheduler.fromConfig({});
    s.setTimesteps(4, { originalInferenceSteps: 25 });
    expect(Array.from(s.timesteps)).toEqual([999, 759, 519, 279]);
    s.setTimesteps(4, { strength: 0.5 });
    expect(Array.from(s.timesteps)).toEqual([499, 379, 259, 139]);
    // The option means the same as the config key (diffusers reads the key nowhere else).
    const keyed = LCMScheduler.fromConfig({ original_inference_steps: 25 });
    keyed.setTimesteps(4);
    expect(Array.from(keyed.timesteps)).toEqual([999, 759, 519, 279]);
    for (const strength of [0, -0.5, 1.5, Number.NaN]) {
      expect(() => s.setTimesteps(4, { strength }), String(strength)).toThrow(ConfigError);
    }
    expect(() => s.setTimesteps(4, { originalInferenceSteps: 2.5 })).toThrow(/original_inference_steps/);
    expect(() => s.setTimesteps(26, { originalInferenceSteps: 25 })).toThrow(/invalid num_inference_steps: got 26; allowed: an integer in \[1, 25\]/);
    expect(() => s.setCustomTimesteps([])).toThrow(ConfigError);
  });
});
