// parseSchedulerConfig(config, { scheduler }) and Class.fromConfig(config) read a config in one place: for every
// class and every config of the table, both give the same config (as diffusers stores it, rewrites included) and
// the same ignored keys, or both throw the same ConfigError naming the same key.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  parseSchedulerConfig,
  SCHEDULER_CLASS_NAMES,
  schedulerConfigToJson,
  schedulerFromConfig,
  type SchedulerClassName,
} from '../src/index.js';

const CONFIGS: readonly Record<string, unknown>[] = [
  {},
  { _class_name: 'DDPMScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, steps_offset: 1, clip_sample: false },
  { prediction_type: 'v_prediction', rescale_betas_zero_snr: true, timestep_spacing: 'trailing' },
  { rescale_betas_zero_snr: true },
  { prediction_type: 'sample' },
  { beta_schedule: 'sigmoid' },
  { beta_schedule: 'exp' },
  { beta_schedule: 'squaredcos_cap_v2', use_karras_sigmas: true },
  { use_karras_sigmas: true, use_exponential_sigmas: true },
  { use_beta_sigmas: true },
  { steps_offset: 1000 },
  { num_train_timesteps: 10, trained_betas: [0.1, 0.2] },
  { beta_start: 0.02, beta_end: 0.0001 },
  { solver_order: 3, solver_type: 'heun', lower_order_final: false },
  { solver_order: 4 },
  // DPM-Solver: the final σ is checked against the algorithm as given, then deis and the UniPC/DEIS solver types are rewritten.
  { algorithm_type: 'dpmsolver' },
  { algorithm_type: 'sde-dpmsolver' },
  { algorithm_type: 'deis' },
  { algorithm_type: 'dpmsolver', final_sigmas_type: 'zero' },
  { algorithm_type: 'sde-dpmsolver', final_sigmas_type: 'zero' },
  { algorithm_type: 'deis', final_sigmas_type: 'zero' },
  { algorithm_type: 'dpmsolver', final_sigmas_type: 'sigma_min' },
  { algorithm_type: 'sde-dpmsolver', final_sigmas_type: 'sigma_min' },
  { algorithm_type: 'deis', final_sigmas_type: 'sigma_min' },
  { algorithm_type: 'deis', final_sigmas_type: 'sigma_min', solver_type: 'logrho' },
  { algorithm_type: 'sde-dpmsolver++', final_sigmas_type: 'zero', solver_type: 'bh2' },
  { algorithm_type: 'unknown' },
  // UniPC: midpoint, heun and logrho become bh2.
  { solver_type: 'bh1' },
  { solver_type: 'bh2' },
  { solver_type: 'midpoint' },
  { solver_type: 'heun' },
  { solver_type: 'logrho' },
  { solver_type: 'rk4' },
  { predict_x0: false, disable_corrector: [0, 2], final_sigmas_type: 'sigma_min' },
  { solver_p: 'DPMSolverMultistepScheduler' },
  { use_flow_sigmas: true },
  { set_alpha_to_one: false, eta: 0.5, prev_timestep: 'schedule' },
  { variance_type: 'learned_range', clip_sample: true, clip_sample_range: 2 },
  { thresholding: true, prediction_type: 'sample' },
  { original_inference_steps: 4, timestep_scaling: 5 },
  { skip_prk_steps: true },
  { interpolation_type: 'log_linear', timestep_type: 'continuous' },
  { solver_ordr: 2 },
  { rho: 7, sigma_data: 0.5 },
];

type Outcome =
  | { readonly kind: 'config'; readonly config: unknown; readonly ignoredKeys: readonly string[]; readonly json: unknown }
  | { readonly kind: 'error'; readonly key: string; readonly message: string };

function outcomeOf(read: () => { config: unknown; ignoredKeys: readonly string[]; json: unknown }): Outcome {
  try {
    return { kind: 'config', ...read() };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { kind: 'error', key: error.key, message: error.message };
  }
}

describe('parseSchedulerConfig(config, { scheduler }) agrees with fromConfig for every class', () => {
  for (const className of SCHEDULER_CLASS_NAMES) {
    it(className, () => {
      for (const input of CONFIGS) {
        const parsed = outcomeOf(() => {
          const { config, ignoredKeys } = parseSchedulerConfig(input, { scheduler: className as SchedulerClassName });
          return { config, ignoredKeys, json: schedulerConfigToJson(config, className) };
        });
        const built = outcomeOf(() => {
          const s = schedulerFromConfig(className, input);
          return { config: s.config, ignoredKeys: s.ignoredKeys, json: s.toConfig() };
        });
        expect(parsed, JSON.stringify(input)).toEqual(built);
      }
    });
  }

  it('DPM-Solver: final_sigmas_type zero is refused with dpmsolver, sde-dpmsolver and deis (the default final σ too)', () => {
    for (const algorithm_type of ['dpmsolver', 'sde-dpmsolver', 'deis']) {
      for (const input of [{ algorithm_type }, { algorithm_type, final_sigmas_type: 'zero' }]) {
        expect(() => parseSchedulerConfig(input, { scheduler: 'DPMSolverMultistepScheduler' })).toThrow(
          expect.objectContaining({ name: 'ConfigError', key: 'final_sigmas_type' }),
        );
      }
    }
  });

  it('DPM-Solver: deis becomes dpmsolver++, logrho/bh1/bh2 become midpoint, as diffusers stores them', () => {
    const { config } = parseSchedulerConfig({ algorithm_type: 'deis', final_sigmas_type: 'sigma_min', solver_type: 'bh2' }, { scheduler: 'DPMSolverMultistepScheduler' });
    expect(config.algorithmType).toBe('dpmsolver++');
    expect(config.solverType).toBe('midpoint');
    for (const solver_type of ['logrho', 'bh1', 'bh2']) {
      expect(parseSchedulerConfig({ solver_type }, { scheduler: 'DPMSolverMultistepScheduler' }).config.solverType).toBe('midpoint');
    }
    expect(parseSchedulerConfig({ solver_type: 'heun' }, { scheduler: 'DPMSolverMultistepScheduler' }).config.solverType).toBe('heun');
  });

  it('UniPC: midpoint, heun and logrho become bh2; bh1 stays', () => {
    for (const solver_type of ['midpoint', 'heun', 'logrho']) {
      expect(parseSchedulerConfig({ solver_type }, { scheduler: 'UniPCMultistepScheduler' }).config.solverType).toBe('bh2');
    }
    expect(parseSchedulerConfig({ solver_type: 'bh1' }, { scheduler: 'UniPCMultistepScheduler' }).config.solverType).toBe('bh1');
  });
});
