// planRun is the one gate before sampling: it plans, checks η and rehearses every step before the first model call,
// says where noise enters (what makes a run stochastic, from the scheduler itself), and sample() takes its plan
// instead of checking again.
import { describe, expect, it } from 'vitest';
import { createScheduler, InputError, planRun, sample, SAMPLER_KINDS, type SamplerKind } from '../src/index.js';
import { CountingDenoiser } from './counting-denoiser.js';

/** β reaching 1 makes ᾱ_t underflow to 0 from timestep 420 on: the first DDIM-10 step (t = 900) divides by zero. */
const DEGENERATE = { num_train_timesteps: 1000, beta_schedule: 'linear', beta_start: 0.0001, beta_end: 1 };
const GOOD = { ...DEGENERATE, beta_end: 0.02 };

describe('planRun refuses a run before the first model call', () => {
  it('a step that cannot run: InputError "schedule" naming the call, the timestep and the config key; the model is never called', async () => {
    const denoiser = new CountingDenoiser();
    const scheduler = createScheduler('ddim', DEGENERATE);
    const error = await sample({ scheduler, denoiser, steps: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ key: 'schedule', value: 900 });
    expect((error as Error).message).toMatch(/model call 1 of 10 \(timestep 900\) cannot run: .*ᾱ_900 .* is 0.*use a smaller beta_end/);
    expect(denoiser.calls).toBe(0);
  });

  it('η too large for the plan, or given to a scheduler that takes none: InputError "eta"', async () => {
    const denoiser = new CountingDenoiser();
    await expect(sample({ scheduler: createScheduler('ddim', GOOD), denoiser, steps: 50, eta: 1.5 })).rejects.toMatchObject({ name: 'InputError', key: 'eta', value: 1.5 });
    expect(() => planRun(createScheduler('euler', GOOD), 10, { eta: 0.5, outputChannelsPerChannel: 1 })).toThrow(/eta applies to DDIM only; EulerDiscreteScheduler takes none/);
    expect(denoiser.calls).toBe(0);
  });

  it('leaves the scheduler planned for the run and unstepped, for every sampler', () => {
    for (const kind of SAMPLER_KINDS) {
      const scheduler = createScheduler(kind, GOOD);
      const plan = planRun(scheduler, 10, { outputChannelsPerChannel: 1 });
      expect(plan.timesteps, kind).toEqual(Array.from(scheduler.timesteps));
      expect(plan.noiseEnters.length, kind).toBe(plan.timesteps.length);
    }
  });
});

describe('where noise enters comes from the scheduler', () => {
  /** noiseEnters of a 4-step plan, as a string of 1 (noise enters) and 0. */
  const pattern = (kind: SamplerKind, overrides: Record<string, unknown> = {}, eta?: number, steps = 4) =>
    planRun(createScheduler(kind, { ...GOOD, ...overrides }), steps, { ...(eta !== undefined ? { eta } : {}), outputChannelsPerChannel: 1 })
      .noiseEnters.map((b) => (b ? '1' : '0'))
      .join('');

  it('deterministic samplers: none', () => {
    expect(pattern('ddim')).toBe('0000');
    expect(pattern('euler')).toBe('0000');
    expect(pattern('dpm-solver')).toBe('0000');
    expect(pattern('unipc')).toBe('0000');
    expect(pattern('heun')).toBe('0000000'); // two calls per step but the last
    expect(pattern('pndm')).toMatch(/^0+$/);
  });

  it('stochastic ones: every step whose result depends on the noise, which is not every step that draws it', () => {
    expect(pattern('ddpm')).toBe('1110'); // t = 0 adds no variance
    expect(pattern('ddim', {}, 1)).toBe('1110'); // η = 1: the last step's σ is 0 (ᾱ_prev = 1)
    expect(pattern('euler-a')).toBe('1110'); // noise is drawn at every step, but the last σ_up is 0
    expect(pattern('euler-a', {}, undefined, 1)).toBe('0'); // so one-step Euler ancestral (SD-Turbo) is deterministic
    expect(pattern('dpm-solver', { algorithm_type: 'sde-dpmsolver++' })).toBe('1110');
    expect(pattern('lcm')).toBe('1110');
    expect(pattern('lcm', {}, undefined, 1)).toBe('0');
  });
});

describe('sample() takes the plan it is given', () => {
  const denoiser = () => new CountingDenoiser({ channels: 1, height: 2, width: 2 });

  it('a plan from planRun gives the images sample() gives when it plans itself, run after run (the scheduler is reset)', async () => {
    for (const kind of ['dpm-solver', 'ddpm', 'pndm'] as const) {
      const planned = createScheduler(kind, GOOD);
      const plan = planRun(planned, 8, { outputChannelsPerChannel: 1 });
      const first = await sample({ scheduler: planned, denoiser: denoiser(), steps: 8, plan, seed: 3 });
      const again = await sample({ scheduler: planned, denoiser: denoiser(), steps: 8, plan, seed: 3 });
      const own = await sample({ scheduler: createScheduler(kind, GOOD), denoiser: denoiser(), steps: 8, seed: 3 });
      expect(Array.from(first.samples), kind).toEqual(Array.from(own.samples));
      expect(Array.from(again.samples), kind).toEqual(Array.from(own.samples));
    }
  });

  it("a plan for other steps or another η is not used: the loop plans the run it is asked for", async () => {
    const scheduler = createScheduler('ddim', GOOD);
    const plan = planRun(scheduler, 8, { outputChannelsPerChannel: 1 });
    const other = await sample({ scheduler, denoiser: denoiser(), steps: 5, plan, seed: 1 });
    expect(other.timesteps.length).toBe(5);
    await expect(sample({ scheduler, denoiser: denoiser(), steps: 8, plan, eta: 3 })).rejects.toMatchObject({ key: 'eta' });
  });
});
