import { describe, expect, it } from 'vitest';
import { alphasCumprodFor, betasFor, DDIMScheduler, DDPMScheduler, parseSchedulerConfig } from '../src/index.js';
import { loadParity, mismatch, type Figure } from './parity-fixture.js';

interface Schedule {
  name: string;
  full_config: Record<string, unknown>;
  betas: Figure[];
  alphas_cumprod: Figure[];
}

const { schedules } = loadParity<{ schedules: Schedule[] }>('schedules.json');

// Zero-SNR with epsilon prediction is refused (see config-zero-snr-epsilon.test.ts); the betas do not
// depend on prediction_type, so those schedules are built with v_prediction.
function configOf(s: Schedule): Record<string, unknown> {
  return s.full_config['rescale_betas_zero_snr'] === true ? { ...s.full_config, prediction_type: 'v_prediction' } : s.full_config;
}

describe('beta schedules and alphas_cumprod match diffusers', () => {
  it('holds the five schedules', () => expect(schedules.map((s) => s.name)).toHaveLength(5));

  for (const s of schedules) {
    it(s.name, () => {
      const zeroSnr = s.name.includes('rescale_betas_zero_snr');
      const { config } = parseSchedulerConfig(configOf(s));
      const betas = betasFor(config);
      expect(mismatch(betas, s.betas, zeroSnr ? { atol: 2e-6, rtol: 3e-5 } : { atol: 1e-9, rtol: 1e-6 })).toBeNull();
      expect(mismatch(alphasCumprodFor(betas), s.alphas_cumprod, { atol: 1e-7, rtol: 1e-5 })).toBeNull();
      for (const scheduler of [DDIMScheduler.fromConfig(configOf(s)), DDPMScheduler.fromConfig(configOf(s))]) {
        expect(mismatch(scheduler.alphasCumprod, s.alphas_cumprod, { atol: 1e-7, rtol: 1e-5 })).toBeNull();
      }
      // Stronger than the tolerances: float32 emulation of torch.linspace and of the zero-SNR rescale.
      expect(Array.from(betas), 'betas bit-exact').toEqual(s.betas);
      expect(Array.from(alphasCumprodFor(betas)), 'alphas_cumprod bit-exact').toEqual(s.alphas_cumprod);
      if (zeroSnr) {
        expect(betas[999]).toBe(1);
        expect(alphasCumprodFor(betas)[999]).toBe(0);
      }
    });

    it(`${s.name}: alphas_cumprod from diffusers' own betas is bit-exact`, () => {
      const reference = Float32Array.from(s.betas as number[]);
      expect(Array.from(alphasCumprodFor(reference))).toEqual(s.alphas_cumprod);
    });
  }
});
