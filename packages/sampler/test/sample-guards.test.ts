import { describe, expect, it } from 'vitest';
import { DDIMScheduler, DDPMScheduler } from '@denoise/schedule';
import { sample } from '../src/sample.js';
import { NonFiniteError, SamplingAbortedError } from '../src/sampling-errors.js';
import { CountingDenoiser } from './counting-denoiser.js';

const config = { beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, num_train_timesteps: 1000 };

describe('sample: guards', () => {
  it('stops at the first non-finite model output, naming the step, the timestep and the tensor', async () => {
    const denoiser = new CountingDenoiser({}, 3);
    const run = sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser, steps: 10 });
    await expect(run).rejects.toBeInstanceOf(NonFiniteError);
    await expect(
      sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser: new CountingDenoiser({}, 3), steps: 10 }),
    ).rejects.toThrow(/model output at step 2 \(timestep 700\), element 3/);
    expect(denoiser.calls).toBe(3);
  });

  it('cancels between steps when the signal aborts, within one step', async () => {
    const controller = new AbortController();
    const denoiser = new CountingDenoiser();
    const run = sample({
      scheduler: DDIMScheduler.fromConfig(config),
      denoiser,
      steps: 50,
      signal: controller.signal,
      onStep: (event) => {
        if (event.index === 4) controller.abort(new Error('user asked'));
      },
    });
    await expect(run).rejects.toBeInstanceOf(SamplingAbortedError);
    expect(denoiser.calls).toBe(5);
  });

  it('rejects noise that is not a whole batch, a batch that contradicts it, and η for DDPM', async () => {
    const denoiser = new CountingDenoiser();
    await expect(sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser, steps: 2, noise: new Float32Array(65) })).rejects.toThrow(
      /65 elements, not a whole number of 1×8×8 images/,
    );
    await expect(
      sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser, steps: 2, noise: new Float32Array(128), batchSize: 3 }),
    ).rejects.toThrow(/batchSize 3 does not match the noise, which holds 2/);
    await expect(sample({ scheduler: DDPMScheduler.fromConfig(config), denoiser, steps: 2, eta: 0.5 })).rejects.toThrow(/eta applies to DDIM only/);
    await expect(sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser, steps: 2, batchSize: 0 })).rejects.toThrow(/batchSize/);
  });

  it('feeds DDIM only the ε half of a learned-variance output', async () => {
    const plain = await sample({ scheduler: DDIMScheduler.fromConfig(config), denoiser: new CountingDenoiser(), steps: 5, batchSize: 2 });
    const learned = await sample({
      scheduler: DDIMScheduler.fromConfig(config),
      denoiser: new CountingDenoiser({ outputChannels: 2 }),
      steps: 5,
      batchSize: 2,
    });
    expect(Array.from(learned.samples)).toEqual(Array.from(plain.samples));
    await expect(
      sample({ scheduler: DDPMScheduler.fromConfig(config), denoiser: new CountingDenoiser({ outputChannels: 2 }), steps: 5 }),
    ).rejects.toThrow(/variance_type is 'fixed_small'/);
  });

  it('reports every step with timings and traces x_t and pred_x0', async () => {
    const events: number[] = [];
    const traced: number[] = [];
    const result = await sample({
      scheduler: DDIMScheduler.fromConfig(config),
      denoiser: new CountingDenoiser(),
      steps: 6,
      onStep: (e) => events.push(e.timestep),
      trace: (r) => {
        traced.push(r.index);
        expect(r.sample.length).toBe(64);
      },
    });
    expect(events).toEqual(Array.from(result.timesteps));
    expect(traced).toEqual([0, 1, 2, 3, 4, 5]);
    expect(result.timings.modelMs.length).toBe(6);
    expect(result.timings.loopMs.every((ms) => ms >= 0)).toBe(true);
  });
});
