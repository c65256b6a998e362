// The contract every scheduler keeps, run once per scheduler class of the ᾱ family (DDPM, DDIM, LCM). A scheduler
// with a step index (LCM) is stepped once per planned timestep, in order, so each repeated step re-plans first.
import { describe, expect, it } from 'vitest';
import { ConfigError, DDIMScheduler, DDPMScheduler, LCMScheduler, type Scheduler } from '../src/index.js';

interface Subject {
  readonly name: 'DDIMScheduler' | 'DDPMScheduler' | 'LCMScheduler';
  readonly fromConfig: (config: unknown) => Scheduler;
  /** Keys only this scheduler reads, each with an invalid value. */
  readonly ownInvalid: readonly (readonly [Record<string, unknown>, string])[];
  /** A config of another scheduler, and the keys this one must report as ignored. */
  readonly foreign: readonly [Record<string, unknown>, readonly string[]];
  /** Round-trip configs with options of this class only. */
  readonly ownRoundTrip: readonly Record<string, unknown>[];
  /** Which model calls draw noise in a 10-step plan (η 0 / η 1 where the class reads η). */
  readonly drawsNoise: (index: number, eta: number) => boolean;
}

const subjects: readonly Subject[] = [
  {
    name: 'DDIMScheduler',
    fromConfig: (c) => DDIMScheduler.fromConfig(c),
    ownInvalid: [
      [{ eta: -0.5 }, 'eta'],
      [{ eta: '0.5' }, 'eta'],
      [{ prev_timestep: 'next' }, 'prev_timestep'],
      [{ set_alpha_to_one: 'true' }, 'set_alpha_to_one'],
    ],
    foreign: [{ _class_name: 'DDPMScheduler', variance_type: 'fixed_small_log', clip_sample: false }, ['variance_type']],
    ownRoundTrip: [
      { beta_schedule: 'sigmoid', timestep_spacing: 'linspace', clip_sample_range: 2 },
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], prediction_type: 'sample' },
    ],
    drawsNoise: (_index, eta) => eta > 0,
  },
  {
    name: 'DDPMScheduler',
    fromConfig: (c) => DDPMScheduler.fromConfig(c),
    ownInvalid: [
      [{ variance_type: 'fixed_tiny' }, 'variance_type'],
      [{ variance_type: 3 }, 'variance_type'],
    ],
    foreign: [
      { _class_name: 'DDIMScheduler', set_alpha_to_one: false, eta: 0.3, prev_timestep: 'schedule' },
      ['set_alpha_to_one', 'eta', 'prev_timestep'],
    ],
    ownRoundTrip: [
      { beta_schedule: 'sigmoid', timestep_spacing: 'linspace', clip_sample_range: 2 },
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], prediction_type: 'sample' },
    ],
    drawsNoise: (index) => index < 9, // t > 0: every call but the last (t = 0) of a leading plan
  },
  {
    name: 'LCMScheduler',
    fromConfig: (c) => LCMScheduler.fromConfig(c),
    ownInvalid: [
      [{ original_inference_steps: 0 }, 'original_inference_steps'],
      [{ original_inference_steps: 12.5 }, 'original_inference_steps'],
      [{ original_inference_steps: 1001 }, 'original_inference_steps'],
      [{ timestep_scaling: 0 }, 'timestep_scaling'],
      [{ timestep_scaling: '10' }, 'timestep_scaling'],
      [{ beta_schedule: 'sigmoid' }, 'beta_schedule'],
      [{ set_alpha_to_one: 'true' }, 'set_alpha_to_one'],
    ],
    foreign: [
      { _class_name: 'DDIMScheduler', clip_sample: false, eta: 0.3, prev_timestep: 'schedule', variance_type: 'fixed_small' },
      ['eta', 'prev_timestep', 'variance_type'],
    ],
    ownRoundTrip: [
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], prediction_type: 'sample', original_inference_steps: 2 },
      { original_inference_steps: 25, timestep_scaling: 1, set_alpha_to_one: false, clip_sample: true, clip_sample_range: 2 },
    ],
    drawsNoise: (index) => index < 9, // every step but the last
  },
];

/** Invalid for both schedulers: [config, the key the ConfigError must name]. */
const sharedInvalid: readonly (readonly [Record<string, unknown>, string])[] = [
  [{ beta_start: 0.02, beta_end: 0.01 }, 'beta_end'],
  [{ beta_start: 0.01, beta_end: 0.01 }, 'beta_end'],
  [{ beta_start: Number.NaN }, 'beta_start'],
  [{ beta_end: 2 }, 'beta_end'],
  [{ beta_schedule: 'cosine' }, 'beta_schedule'],
  [{ timestep_spacing: 'uniform' }, 'timestep_spacing'],
  [{ prediction_type: 'bogus' }, 'prediction_type'],
  [{ num_train_timesteps: 0 }, 'num_train_timesteps'],
  [{ num_train_timesteps: 10.5 }, 'num_train_timesteps'],
  [{ num_train_timesteps: '1000' }, 'num_train_timesteps'],
  [{ clip_sample: 'yes' }, 'clip_sample'],
  [{ clip_sample_range: -1 }, 'clip_sample_range'],
  [{ steps_offset: -1 }, 'steps_offset'],
  [{ thresholding: 1 }, 'thresholding'],
  [{ dynamic_thresholding_ratio: 1.5 }, 'dynamic_thresholding_ratio'],
  [{ sample_max_value: 0 }, 'sample_max_value'],
  [{ trained_betas: [0.1, 0.2] }, 'trained_betas'],
  [{ trained_betas: 'linear' }, 'trained_betas'],
  [{ rescale_betas_zero_snr: true }, 'prediction_type'],
  [{ rescale_betas_zero_snr: 'no' }, 'rescale_betas_zero_snr'],
  [{ beta_strat: 0.001 }, 'beta_strat'],
];

/** Configs that exercise every option, for the round trip (with each subject's `ownRoundTrip`). */
const roundTripConfigs: readonly Record<string, unknown>[] = [
  {},
  { beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, steps_offset: 1, clip_sample: false },
  { timestep_spacing: 'trailing', prediction_type: 'v_prediction', rescale_betas_zero_snr: true },
  { beta_schedule: 'squaredcos_cap_v2', thresholding: true, sample_max_value: 1.5, dynamic_thresholding_ratio: 0.9 },
  { variance_type: 'fixed_large', set_alpha_to_one: false, eta: 0.5, prev_timestep: 'schedule' },
];

const sampleBase = Float32Array.from({ length: 2 * 18 }, (_, i) => Math.sin(i * 0.7));
const sample = sampleBase;
const modelOutput = Float32Array.from({ length: 2 * 18 }, (_, i) => Math.cos(i * 0.3));
const noise = Float32Array.from({ length: 2 * 18 }, (_, i) => Math.sin(i * 1.9 + 0.4));

for (const subject of subjects) {
  describe(`${subject.name} scheduler contract`, () => {
    it('setTimesteps is idempotent', () => {
      const s = subject.fromConfig({ timestep_spacing: 'trailing' });
      s.setTimesteps(20);
      const first = Array.from(s.timesteps);
      const t = first[3]!;
      const before = s.step(modelOutput, t, sample, { noise, batchSize: 2 });
      s.setTimesteps(20);
      expect(Array.from(s.timesteps)).toEqual(first);
      expect(s.numInferenceSteps).toBe(20);
      const after = s.step(modelOutput, t, sample, { noise, batchSize: 2 });
      expect(after).toEqual(before);
    });

    it('step returns float32 outputs shaped like the sample', () => {
      const s = subject.fromConfig({});
      s.setTimesteps(10);
      for (const t of s.timesteps) {
        const out = s.step(modelOutput, t, sample, { noise, eta: 1 });
        expect(out.prevSample).toBeInstanceOf(Float32Array);
        expect(out.predOriginalSample).toBeInstanceOf(Float32Array);
        expect(out.prevSample).toHaveLength(sample.length);
        expect(out.predOriginalSample).toHaveLength(sample.length);
        expect(out.prevSample.every(Number.isFinite)).toBe(true);
      }
    });

    it('step writes into options.out, and prevSample may be the sample itself', () => {
      const s = subject.fromConfig({});
      s.setTimesteps(10);
      const t = s.timesteps[2]!;
      const expected = s.step(modelOutput, t, sample, { noise });
      s.setTimesteps(10);
      const x = sample.slice();
      const out = { prevSample: x, predOriginalSample: new Float32Array(x.length) };
      const result = s.step(modelOutput, t, x, { noise, out });
      expect(result.prevSample).toBe(x);
      expect(result.predOriginalSample).toBe(out.predOriginalSample);
      expect(result).toEqual(expected);
    });

    it('fromConfig(toConfig()) gives an equal scheduler', () => {
      for (const config of [...roundTripConfigs, ...subject.ownRoundTrip]) {
        const a = subject.fromConfig(config);
        const written = a.toConfig();
        expect(written['_class_name']).toBe(subject.name);
        const b = subject.fromConfig(JSON.parse(JSON.stringify(written)));
        expect(b.config).toEqual(a.config);
        expect(b.toConfig()).toEqual(written);
        expect(b.ignoredKeys).toEqual([]);
        expect(b.betas).toEqual(a.betas);
        expect(b.alphasCumprod).toEqual(a.alphasCumprod);
      }
    });

    it("accepts the other scheduler's config and lists its keys in ignoredKeys", () => {
      const [config, ignored] = subject.foreign;
      const s = subject.fromConfig(config);
      expect([...s.ignoredKeys].sort()).toEqual([...ignored].sort());
      expect(s.config.clipSample).toBe(config['clip_sample'] ?? subject.fromConfig({}).config.clipSample);
    });

    it("accepts other diffusers schedulers' keys (PNDM, Euler) and reports them as ignored", () => {
      const s = subject.fromConfig({ _class_name: 'PNDMScheduler', _diffusers_version: '0.6.0', skip_prk_steps: true, use_karras_sigmas: false });
      expect(s.ignoredKeys).toEqual(['skip_prk_steps', 'use_karras_sigmas']);
    });

    it('each invalid config raises a ConfigError naming the key, the value and what is allowed', () => {
      for (const [config, key] of [...sharedInvalid, ...subject.ownInvalid]) {
        let error: unknown;
        try {
          subject.fromConfig(config);
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(config)).toBeInstanceOf(ConfigError);
        const configError = error as ConfigError;
        expect(configError.key).toBe(key);
        expect(configError.message).toContain(key);
        expect(configError.message).toContain('allowed');
        expect(configError.allowed.length).toBeGreaterThan(0);
      }
      for (const input of [null, [], 'ddim', 42]) expect(() => subject.fromConfig(input)).toThrow(ConfigError);
    });

    it('setTimesteps rejects non-integer, < 1 and > num_train_timesteps step counts with a ConfigError', () => {
      const s = subject.fromConfig({});
      for (const steps of [0, -3, 1001, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => s.setTimesteps(steps), String(steps)).toThrow(ConfigError);
        expect(() => s.setTimesteps(steps)).toThrow(/num_inference_steps/);
      }
    });

    it('step rejects timesteps outside [0, N), mismatched lengths and a bad batch size with a RangeError', () => {
      // leading + offset 1 plans t = 1000, past the last ᾱ (diffusers: IndexError at step): refused by setTimesteps.
      const offset = subject.fromConfig({ prev_timestep: 'schedule', timestep_spacing: 'leading', steps_offset: 1 });
      expect(() => offset.setTimesteps(1000)).toThrow(ConfigError);
      // LCM plans at most original_inference_steps timesteps; the other classes ignore the key.
      const s = subject.fromConfig({ timestep_spacing: 'leading', original_inference_steps: 1000 });
      s.setTimesteps(1000);
      expect(() => s.step(modelOutput, 1000, sample, { noise })).toThrow(RangeError);
      expect(() => s.step(modelOutput.subarray(1), 999, sample, { noise })).toThrow(RangeError);
      expect(() => s.step(modelOutput, 999, sample, { noise: noise.subarray(1), eta: 1 })).toThrow(RangeError);
      expect(() => s.step(modelOutput, 999, sample, { noise, batchSize: 5 })).toThrow(RangeError);
    });

    it('step requires noise exactly where noiseDrawnAt says noise is drawn', () => {
      const s = subject.fromConfig({});
      s.setTimesteps(10);
      const plan = Array.from(s.timesteps);
      plan.forEach((t, index) => {
        for (const eta of [0, 1]) {
          s.setTimesteps(10);
          if (s.setBeginIndex) s.setBeginIndex(index);
          const drawn = s.noiseDrawnAt(t, { eta });
          expect(drawn, `call ${index} (t = ${t}), η ${eta}`).toBe(subject.drawsNoise(index, eta));
          const run = () => s.step(modelOutput, t, sample, { eta });
          if (drawn) expect(run).toThrow(/noise is required/);
          else expect(run).not.toThrow();
        }
      });
    });

    it('dynamic thresholding works per batch item: a batch of 2 equals two single steps', () => {
      const s = subject.fromConfig({ thresholding: true, sample_max_value: 100, clip_sample: false });
      s.setTimesteps(10);
      const t = s.timesteps[1]!;
      // The second item is 4× larger, so its threshold differs from the first item's.
      const sample = Float32Array.from(sampleBase, (v, i) => (i >= 18 ? 4 * v : v));
      const both = s.step(modelOutput, t, sample, { noise, eta: 0.5, batchSize: 2 });
      for (const item of [0, 1]) {
        const part = (a: Float32Array) => a.slice(item * 18, (item + 1) * 18);
        s.setTimesteps(10);
        const one = s.step(part(modelOutput), t, part(sample), { noise: part(noise), eta: 0.5 });
        expect(part(both.prevSample)).toEqual(one.prevSample);
        expect(part(both.predOriginalSample)).toEqual(one.predOriginalSample);
      }
      s.setTimesteps(10);
      const whole = s.step(modelOutput, t, sample, { noise, eta: 0.5, batchSize: 1 });
      expect(whole.predOriginalSample).not.toEqual(both.predOriginalSample);
    });
  });
}
