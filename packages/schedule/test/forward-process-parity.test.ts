import { describe, expect, it } from 'vitest';
import { DDIMScheduler, DDPMScheduler } from '../src/index.js';
import { loadParity, mismatch, type Figure } from './parity-fixture.js';

interface Case {
  schedule: string;
  full_config: Record<string, unknown>;
  single: { t: number; add_noise: Figure[]; get_velocity: Figure[] }[];
  batch: { timesteps: number[]; add_noise: Figure[]; get_velocity: Figure[] };
}
interface AddNoiseFile {
  inputs: { x0: number[]; noise: number[]; batch_x0: number[]; batch_noise: number[] };
  cases: Case[];
}

const file = loadParity<AddNoiseFile>('add_noise.json');
const x0 = Float32Array.from(file.inputs.x0);
const noise = Float32Array.from(file.inputs.noise);
const batchX0 = Float32Array.from(file.inputs.batch_x0);
const batchNoise = Float32Array.from(file.inputs.batch_noise);
const TOL = { atol: 1e-6, rtol: 1e-6 };

// The betas do not depend on prediction_type; zero-SNR is built with v_prediction (epsilon is refused).
const configOf = (c: Case) =>
  c.full_config['rescale_betas_zero_snr'] === true ? { ...c.full_config, prediction_type: 'v_prediction' } : c.full_config;

describe('addNoise and getVelocity match diffusers', () => {
  it('holds four schedules', () => expect(file.cases).toHaveLength(4));

  for (const c of file.cases) {
    for (const scheduler of [DDPMScheduler.fromConfig(configOf(c)), DDIMScheduler.fromConfig(configOf(c))]) {
      it(`${c.schedule} (${scheduler.className})`, () => {
        for (const single of c.single) {
          expect(mismatch(scheduler.addNoise(x0, noise, single.t), single.add_noise, TOL), `add_noise t=${single.t}`).toBeNull();
          expect(mismatch(scheduler.getVelocity(x0, noise, single.t), single.get_velocity, TOL), `get_velocity t=${single.t}`).toBeNull();
        }
        const ts = Int32Array.from(c.batch.timesteps);
        expect(mismatch(scheduler.addNoise(batchX0, batchNoise, ts), c.batch.add_noise, TOL)).toBeNull();
        expect(mismatch(scheduler.getVelocity(batchX0, batchNoise, ts), c.batch.get_velocity, TOL)).toBeNull();
      });
    }
  }

  it('under zero-SNR, addNoise at t = 999 is the noise exactly', () => {
    const s = DDPMScheduler.fromConfig({ rescale_betas_zero_snr: true, prediction_type: 'v_prediction' });
    expect(Array.from(s.addNoise(x0, noise, 999))).toEqual(Array.from(noise));
  });

  it('rejects a timestep outside [0, N) and per-item timesteps that do not split the batch', () => {
    const s = DDPMScheduler.fromConfig({});
    expect(() => s.addNoise(x0, noise, 1000)).toThrow(RangeError);
    expect(() => s.addNoise(x0, noise, -1)).toThrow(RangeError);
    expect(() => s.addNoise(x0, noise, 1.5)).toThrow(RangeError);
    expect(() => s.getVelocity(x0, noise, Int32Array.of(1, 2, 3, 4))).toThrow(RangeError);
  });
});
