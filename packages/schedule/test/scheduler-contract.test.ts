// The contract every scheduler keeps, run once per scheduler class that @denoise/schedule exports. Where a family
// differs (σ schedulers scale the model input, Heun makes two model calls per step, PNDM plans 12 PRK calls, the
// multistep solvers map an unplanned timestep to the last step), the difference is a field of its subject, and the
// same test checks each family against its own field. Runs step once per entry of `timesteps`, in order, calling
// scaleModelInput first as the sampling loop does, so every stateful scheduler is stepped the way it is used.
import { describe, expect, it } from 'vitest';
import * as schedule from '../src/index.js';
import {
  ConfigError,
  DDIMScheduler,
  DDPMScheduler,
  DPMSolverMultistepScheduler,
  EulerAncestralDiscreteScheduler,
  EulerDiscreteScheduler,
  HeunDiscreteScheduler,
  LCMScheduler,
  PNDMScheduler,
  SCHEDULER_CLASS_NAMES,
  UniPCMultistepScheduler,
  type NoiseOptions,
  type SchedulerClassName,
  type Scheduler,
  type StepOutput,
} from '../src/index.js';

type Config = Record<string, unknown>;
/** A config and the key its ConfigError must name. */
type Invalid = readonly [Config, string];

/**
 * One way of running a 10-step plan, and which of its model calls draw noise. `drawnAt` is what noiseDrawnAt must
 * say (and where step refuses to run without noise); `inertAt` lists the calls among those whose noise is
 * multiplied by zero: diffusers draws it all the same (so the generator stays in step with diffusers' draw order),
 * but the output does not depend on it. Different noise must change the output exactly at drawn, non-inert calls.
 */
interface NoiseCase {
  readonly label: string;
  readonly config: Config;
  readonly options: NoiseOptions;
  /** `calls`: the plan's model calls (timesteps.length). */
  readonly drawnAt: (call: number, calls: number) => boolean;
  readonly inertAt?: (call: number, calls: number) => boolean;
}

/** Option groups that several classes take; a class that does not take a group ignores its keys, whatever their value. */
type KeyGroup = 'clip' | 'thresholding' | 'zeroSnr' | 'sigmaKinds';

interface Subject {
  readonly name: SchedulerClassName;
  readonly fromConfig: (config: unknown) => Scheduler;
  /** Model calls of an S-step plan with the default config (timesteps.length), and diffusers' `order`. */
  readonly calls: (steps: number) => number;
  readonly order: 1 | 2;
  /** numInferenceSteps before setTimesteps: null, or N where the constructor plans every training step (Heun, as diffusers). */
  readonly stepsBeforePlan: null | 1000;
  /** Whether the plan reads steps_offset (LCM plans from original_inference_steps alone). */
  readonly readsStepsOffset: boolean;
  /**
   * The model's input: `'sample'`, the sample itself (a given `out` untouched, as the Scheduler interface says of
   * the schedulers that do not scale); `'sigma'`, x/√(σ²+1) with x_T scaled by initNoiseSigma = σ_max.
   */
  readonly input: 'sample' | 'sigma';
  readonly takes: readonly KeyGroup[];
  /** rescale_betas_zero_snr with epsilon prediction: refused (x0 divides by ᾱ = 0), accepted (ᾱ_{N−1} clamped), or not a key. */
  readonly zeroSnrEpsilon: 'refused' | 'accepted' | 'ignored';
  /** Keys only this class (or its family) reads, each with an invalid value. */
  readonly ownInvalid: readonly Invalid[];
  /** Configs of other classes, and the keys this one must report as ignored; the other keys must be applied. */
  readonly foreign: readonly (readonly [Config, readonly string[]])[];
  /** Round-trip configs with options of this class. */
  readonly ownRoundTrip: readonly Config[];
  /** The fewest inference steps the default config plans (PRK needs 4). */
  readonly fewestSteps: number;
  /** A step at a timestep outside the plan: a RangeError, or (multistep solvers, as diffusers) the plan's last step. */
  readonly unplanned: 'RangeError' | 'last step';
  /** Whether step reads options.batchSize (the σ family works element by element and ignores it). */
  readonly batched: boolean;
  readonly noiseCases: readonly NoiseCase[];
}

const always = (): boolean => true;
const never = (): boolean => false;
const lastCall = (call: number, calls: number): boolean => call === calls - 1;
const notLastCall = (call: number, calls: number): boolean => call < calls - 1;

const PNDM_OR_EULER_CONFIG: readonly [Config, readonly string[]] = [
  { _class_name: 'PNDMScheduler', _diffusers_version: '0.6.0', skip_prk_steps: true, use_karras_sigmas: false },
  ['skip_prk_steps', 'use_karras_sigmas'],
];

const subjects: readonly Subject[] = [
  {
    name: 'DDIMScheduler',
    fromConfig: (c) => DDIMScheduler.fromConfig(c),
    calls: (steps) => steps,
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: true,
    input: 'sample',
    takes: ['clip', 'thresholding', 'zeroSnr'],
    zeroSnrEpsilon: 'refused',
    ownInvalid: [
      [{ eta: -0.5 }, 'eta'],
      [{ eta: '0.5' }, 'eta'],
      [{ prev_timestep: 'next' }, 'prev_timestep'],
      [{ set_alpha_to_one: 'true' }, 'set_alpha_to_one'],
      [{ beta_schedule: 'exp' }, 'beta_schedule'],
    ],
    foreign: [[{ _class_name: 'DDPMScheduler', variance_type: 'fixed_small_log', clip_sample: false }, ['variance_type']], PNDM_OR_EULER_CONFIG],
    ownRoundTrip: [
      { beta_schedule: 'sigmoid', timestep_spacing: 'linspace', clip_sample_range: 2 },
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], prediction_type: 'sample' },
      { set_alpha_to_one: false, eta: 0.5, prev_timestep: 'schedule' },
    ],
    fewestSteps: 1,
    unplanned: 'RangeError',
    batched: true,
    noiseCases: [
      { label: 'η 0', config: {}, options: { eta: 0 }, drawnAt: never },
      // The last call steps to ᾱ_prev = 1 (set_alpha_to_one), where σ_t = 0.
      { label: 'η 1', config: {}, options: { eta: 1 }, drawnAt: always, inertAt: lastCall },
      { label: "the config's eta 0.5", config: { eta: 0.5 }, options: {}, drawnAt: always, inertAt: lastCall },
    ],
  },
  {
    name: 'DDPMScheduler',
    fromConfig: (c) => DDPMScheduler.fromConfig(c),
    calls: (steps) => steps,
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: true,
    input: 'sample',
    takes: ['clip', 'thresholding', 'zeroSnr'],
    zeroSnrEpsilon: 'refused',
    ownInvalid: [
      [{ variance_type: 'fixed_tiny' }, 'variance_type'],
      [{ variance_type: 3 }, 'variance_type'],
      [{ beta_schedule: 'exp' }, 'beta_schedule'],
    ],
    foreign: [
      [{ _class_name: 'DDIMScheduler', set_alpha_to_one: false, eta: 0.3, prev_timestep: 'schedule' }, ['set_alpha_to_one', 'eta', 'prev_timestep']],
      PNDM_OR_EULER_CONFIG,
    ],
    ownRoundTrip: [
      { beta_schedule: 'sigmoid', timestep_spacing: 'linspace', clip_sample_range: 2 },
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], prediction_type: 'sample' },
      { variance_type: 'learned_range' },
    ],
    fewestSteps: 1,
    unplanned: 'RangeError',
    batched: true,
    noiseCases: [
      // Noise is drawn where t > 0: every call but the last (t = 0) of a leading plan.
      { label: 'leading', config: {}, options: {}, drawnAt: notLastCall },
      // A trailing plan ends at t = 99 > 0, so its last call draws too; there ᾱ_prev = 1 and the variance is the
      // 1e-20 floor, a noise scale of 1e-10, below float32 resolution at the sample's magnitude.
      { label: 'trailing', config: { timestep_spacing: 'trailing' }, options: {}, drawnAt: always, inertAt: lastCall },
    ],
  },
  {
    name: 'LCMScheduler',
    fromConfig: (c) => LCMScheduler.fromConfig(c),
    calls: (steps) => steps,
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: false,
    input: 'sample',
    takes: ['clip', 'thresholding', 'zeroSnr'],
    zeroSnrEpsilon: 'refused',
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
      [
        { _class_name: 'DDIMScheduler', clip_sample: false, eta: 0.3, prev_timestep: 'schedule', variance_type: 'fixed_small' },
        ['eta', 'prev_timestep', 'variance_type'],
      ],
      PNDM_OR_EULER_CONFIG,
    ],
    ownRoundTrip: [
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], prediction_type: 'sample', original_inference_steps: 2 },
      { original_inference_steps: 25, timestep_scaling: 1, set_alpha_to_one: false, clip_sample: true, clip_sample_range: 2 },
    ],
    fewestSteps: 1,
    unplanned: 'RangeError',
    batched: true,
    // The last step returns the consistency output itself.
    noiseCases: [{ label: 'default', config: {}, options: {}, drawnAt: notLastCall }],
  },
  {
    name: 'PNDMScheduler',
    fromConfig: (c) => PNDMScheduler.fromConfig(c),
    calls: (steps) => steps + 9, // 12 PRK calls over the 3 highest steps, then one PLMS call per step left
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: true,
    input: 'sample',
    takes: [],
    zeroSnrEpsilon: 'ignored',
    ownInvalid: [
      [{ skip_prk_steps: 'yes' }, 'skip_prk_steps'],
      [{ set_alpha_to_one: 1 }, 'set_alpha_to_one'],
      [{ prev_timestep: 'next' }, 'prev_timestep'],
      [{ prediction_type: 'sample' }, 'prediction_type'],
      [{ beta_schedule: 'sigmoid' }, 'beta_schedule'],
    ],
    foreign: [
      [
        { _class_name: 'DDIMScheduler', set_alpha_to_one: true, prev_timestep: 'schedule', eta: 0.3, clip_sample: false, thresholding: true },
        ['eta', 'clip_sample', 'thresholding'],
      ],
      [{ _class_name: 'EulerDiscreteScheduler', use_karras_sigmas: true, interpolation_type: 'log_linear', skip_prk_steps: true }, ['use_karras_sigmas', 'interpolation_type']],
    ],
    ownRoundTrip: [
      { skip_prk_steps: true, set_alpha_to_one: true, prev_timestep: 'schedule', timestep_spacing: 'trailing' },
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4], prediction_type: 'v_prediction' },
    ],
    fewestSteps: 4,
    unplanned: 'RangeError',
    batched: true,
    noiseCases: [
      { label: 'PRK then PLMS', config: {}, options: {}, drawnAt: never },
      { label: 'skip_prk_steps', config: { skip_prk_steps: true }, options: {}, drawnAt: never },
    ],
  },
  {
    name: 'EulerDiscreteScheduler',
    fromConfig: (c) => EulerDiscreteScheduler.fromConfig(c),
    calls: (steps) => steps,
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: true,
    input: 'sigma',
    takes: ['zeroSnr', 'sigmaKinds'],
    zeroSnrEpsilon: 'accepted',
    ownInvalid: [
      [{ interpolation_type: 'cubic' }, 'interpolation_type'],
      [{ sigma_min: 0 }, 'sigma_min'],
      [{ sigma_max: -1 }, 'sigma_max'],
      [{ final_sigmas_type: 'max' }, 'final_sigmas_type'],
      [{ timestep_type: 'continuous' }, 'timestep_type'],
      [{ beta_schedule: 'sigmoid' }, 'beta_schedule'],
    ],
    foreign: [
      [
        {
          _class_name: 'DPMSolverMultistepScheduler',
          solver_order: 3,
          algorithm_type: 'sde-dpmsolver++',
          use_karras_sigmas: true,
          final_sigmas_type: 'sigma_min',
          thresholding: true,
          rescale_betas_zero_snr: false,
        },
        ['solver_order', 'algorithm_type', 'thresholding'],
      ],
    ],
    ownRoundTrip: [
      { interpolation_type: 'log_linear', final_sigmas_type: 'sigma_min', timestep_spacing: 'leading', steps_offset: 1 },
      { use_karras_sigmas: true, sigma_min: 0.1, sigma_max: 10, prediction_type: 'v_prediction' },
      { use_exponential_sigmas: true, timestep_spacing: 'trailing', prediction_type: 'sample' },
    ],
    fewestSteps: 1,
    unplanned: 'RangeError',
    batched: false,
    // σ of the 10 calls: 157.4, 54.57, 21.42, 9.489, 4.703, 2.555, 1.462, 0.822, 0.380, 0.010 (then 0).
    noiseCases: [
      { label: 'no churn', config: {}, options: {}, drawnAt: never },
      { label: 's_churn 1', config: {}, options: { churn: { sChurn: 1 } }, drawnAt: always },
      { label: 's_churn 0 in [0, ∞)', config: {}, options: { churn: { sChurn: 0, sTmin: 0, sTmax: Infinity } }, drawnAt: never },
      { label: 's_churn 1 in [1, 5]', config: {}, options: { churn: { sChurn: 1, sTmin: 1, sTmax: 5 } }, drawnAt: (call) => call >= 4 && call <= 6 },
      {
        // Both bounds are planned σ (their float32 values), and both ends count.
        label: 's_churn 2 in [σ₆, σ₃]',
        config: {},
        options: { churn: { sChurn: 2, sTmin: 1.4623569250106812, sTmax: 9.4889211654663086 } },
        drawnAt: (call) => call >= 3 && call <= 6,
      },
    ],
  },
  {
    name: 'EulerAncestralDiscreteScheduler',
    fromConfig: (c) => EulerAncestralDiscreteScheduler.fromConfig(c),
    calls: (steps) => steps,
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: true,
    input: 'sigma',
    takes: ['zeroSnr'],
    zeroSnrEpsilon: 'accepted',
    ownInvalid: [
      [{ prediction_type: 'sample' }, 'prediction_type'],
      [{ beta_schedule: 'sigmoid' }, 'beta_schedule'],
    ],
    foreign: [
      [
        { _class_name: 'EulerDiscreteScheduler', use_karras_sigmas: true, interpolation_type: 'linear', timestep_type: 'discrete', sigma_min: null, timestep_spacing: 'trailing' },
        ['use_karras_sigmas', 'interpolation_type', 'timestep_type', 'sigma_min'],
      ],
    ],
    ownRoundTrip: [{ prediction_type: 'v_prediction', rescale_betas_zero_snr: true, timestep_spacing: 'leading', steps_offset: 1 }],
    fewestSteps: 1,
    unplanned: 'RangeError',
    batched: false,
    // diffusers draws noise at every step; at the last one σ_next = 0, so σ_up = 0.
    noiseCases: [{ label: 'default', config: {}, options: {}, drawnAt: always, inertAt: lastCall }],
  },
  {
    name: 'HeunDiscreteScheduler',
    fromConfig: (c) => HeunDiscreteScheduler.fromConfig(c),
    calls: (steps) => 2 * steps - 1, // two model calls per step but the last
    order: 2,
    stepsBeforePlan: 1000,
    readsStepsOffset: true,
    input: 'sigma',
    takes: ['clip', 'sigmaKinds'],
    zeroSnrEpsilon: 'ignored',
    ownInvalid: [[{ beta_schedule: 'sigmoid' }, 'beta_schedule']],
    foreign: [
      [
        { _class_name: 'EulerDiscreteScheduler', use_karras_sigmas: true, interpolation_type: 'log_linear', rescale_betas_zero_snr: false, clip_sample: true },
        ['interpolation_type', 'rescale_betas_zero_snr'],
      ],
    ],
    ownRoundTrip: [
      { beta_schedule: 'exp', clip_sample: true, clip_sample_range: 2, use_karras_sigmas: true },
      { use_exponential_sigmas: true, timestep_spacing: 'trailing', prediction_type: 'sample' },
    ],
    fewestSteps: 1,
    unplanned: 'RangeError',
    batched: false,
    noiseCases: [{ label: 'default', config: {}, options: {}, drawnAt: never }],
  },
  {
    name: 'DPMSolverMultistepScheduler',
    fromConfig: (c) => DPMSolverMultistepScheduler.fromConfig(c),
    calls: (steps) => steps,
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: true,
    input: 'sample',
    takes: ['thresholding', 'zeroSnr', 'sigmaKinds'],
    zeroSnrEpsilon: 'accepted',
    ownInvalid: [
      [{ solver_order: 4 }, 'solver_order'],
      [{ algorithm_type: 'dpm' }, 'algorithm_type'],
      [{ solver_type: 'euler' }, 'solver_type'],
      [{ algorithm_type: 'dpmsolver' }, 'final_sigmas_type'], // a zero final σ needs a ++ variant
      [{ lambda_min_clipped: 'low' }, 'lambda_min_clipped'],
      [{ variance_type: 'fixed_tiny' }, 'variance_type'],
      [{ equal_sigma_step: 'skip' }, 'equal_sigma_step'],
      [{ use_flow_sigmas: true }, 'use_flow_sigmas'],
      [{ use_dynamic_shifting: true }, 'use_dynamic_shifting'],
      [{ time_shift_type: 'log' }, 'time_shift_type'],
      [{ beta_schedule: 'sigmoid' }, 'beta_schedule'],
    ],
    foreign: [
      [
        {
          _class_name: 'UniPCMultistepScheduler',
          solver_order: 3,
          predict_x0: true,
          disable_corrector: [],
          solver_p: null,
          sigma_min: null,
          sigma_max: null,
          shift_terminal: null,
          lower_order_final: false,
          use_karras_sigmas: true,
        },
        ['predict_x0', 'disable_corrector', 'solver_p', 'sigma_min', 'sigma_max', 'shift_terminal'],
      ],
    ],
    ownRoundTrip: [
      { algorithm_type: 'sde-dpmsolver', final_sigmas_type: 'sigma_min', solver_type: 'heun', lower_order_final: false, variance_type: 'learned_range' },
      { solver_order: 3, euler_at_final: true, use_lu_lambdas: true, lambda_min_clipped: -5.1, equal_sigma_step: 'identity' },
      { algorithm_type: 'deis', final_sigmas_type: 'sigma_min', solver_type: 'bh2', use_exponential_sigmas: true }, // written back as dpmsolver++, midpoint
    ],
    fewestSteps: 1,
    unplanned: 'last step',
    batched: true,
    noiseCases: [
      { label: 'dpmsolver++', config: {}, options: {}, drawnAt: never },
      // The last step goes to σ = 0, where the noise scale σ_t·√(1 − e^−2h) is 0.
      { label: 'sde-dpmsolver++', config: { algorithm_type: 'sde-dpmsolver++' }, options: {}, drawnAt: always, inertAt: lastCall },
      { label: 'sde-dpmsolver to σ_min', config: { algorithm_type: 'sde-dpmsolver', final_sigmas_type: 'sigma_min' }, options: {}, drawnAt: always },
      { label: 'dpmsolver to σ_min', config: { algorithm_type: 'dpmsolver', final_sigmas_type: 'sigma_min' }, options: {}, drawnAt: never },
    ],
  },
  {
    name: 'UniPCMultistepScheduler',
    fromConfig: (c) => UniPCMultistepScheduler.fromConfig(c),
    calls: (steps) => steps,
    order: 1,
    stepsBeforePlan: null,
    readsStepsOffset: true,
    input: 'sample',
    takes: ['thresholding', 'zeroSnr', 'sigmaKinds'],
    zeroSnrEpsilon: 'accepted',
    ownInvalid: [
      [{ solver_order: 0 }, 'solver_order'],
      [{ predict_x0: 'yes' }, 'predict_x0'],
      [{ disable_corrector: [-1] }, 'disable_corrector'],
      [{ solver_p: {} }, 'solver_p'],
      [{ zero_sigma_step: 'skip' }, 'zero_sigma_step'],
      [{ shift_terminal: 0.5 }, 'shift_terminal'],
      [{ sigma_max: 0 }, 'sigma_max'],
      [{ beta_schedule: 'sigmoid' }, 'beta_schedule'],
    ],
    foreign: [
      [
        {
          _class_name: 'DPMSolverMultistepScheduler',
          solver_order: 3,
          algorithm_type: 'dpmsolver++',
          euler_at_final: false,
          use_lu_lambdas: false,
          lambda_min_clipped: '-Infinity',
          variance_type: null,
          lower_order_final: false,
        },
        ['algorithm_type', 'euler_at_final', 'use_lu_lambdas', 'lambda_min_clipped', 'variance_type'],
      ],
    ],
    ownRoundTrip: [
      { solver_type: 'bh1', predict_x0: false, disable_corrector: [0, 2], solver_order: 3 },
      { use_karras_sigmas: true, sigma_min: 0.1, sigma_max: 10, final_sigmas_type: 'sigma_min', zero_sigma_step: 'limit', equal_sigma_step: 'identity' },
      { solver_type: 'midpoint' }, // written back as bh2
    ],
    fewestSteps: 1,
    unplanned: 'last step',
    batched: true,
    noiseCases: [{ label: 'default', config: {}, options: {}, drawnAt: never }],
  },
];

/** Keys every class takes, each with an invalid value. */
const sharedInvalid: readonly Invalid[] = [
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
  [{ steps_offset: -1 }, 'steps_offset'],
  [{ steps_offset: 1000 }, 'steps_offset'],
  [{ trained_betas: [0.1, 0.2] }, 'trained_betas'],
  [{ trained_betas: 'linear' }, 'trained_betas'],
  [{ beta_strat: 0.001 }, 'beta_strat'],
];

/** The option groups, each with invalid values. */
const groupInvalid: Readonly<Record<KeyGroup, readonly Invalid[]>> = {
  clip: [
    [{ clip_sample: 'yes' }, 'clip_sample'],
    [{ clip_sample_range: -1 }, 'clip_sample_range'],
  ],
  thresholding: [
    [{ thresholding: 1 }, 'thresholding'],
    [{ dynamic_thresholding_ratio: 1.5 }, 'dynamic_thresholding_ratio'],
    [{ sample_max_value: 0 }, 'sample_max_value'],
  ],
  zeroSnr: [[{ rescale_betas_zero_snr: 'no' }, 'rescale_betas_zero_snr']],
  sigmaKinds: [
    [{ use_karras_sigmas: 'yes' }, 'use_karras_sigmas'],
    [{ use_exponential_sigmas: 1 }, 'use_exponential_sigmas'],
    [{ use_karras_sigmas: true, use_exponential_sigmas: true }, 'use_karras_sigmas'],
    [{ use_beta_sigmas: true }, 'use_beta_sigmas'],
  ],
};

/** Configs over the options most classes take, for the round trip (with each subject's `ownRoundTrip`). */
const roundTripConfigs: readonly Config[] = [
  {},
  { beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, steps_offset: 1, clip_sample: false },
  { timestep_spacing: 'trailing', prediction_type: 'v_prediction', rescale_betas_zero_snr: true },
  { beta_schedule: 'squaredcos_cap_v2', thresholding: true, sample_max_value: 1.5, dynamic_thresholding_ratio: 0.9 },
  { variance_type: 'fixed_large', set_alpha_to_one: false, eta: 0.5, prev_timestep: 'schedule' },
];

const ITEM = 18;
const sample = Float32Array.from({ length: 2 * ITEM }, (_, i) => Math.sin(i * 0.7));
const modelOutput = Float32Array.from({ length: 2 * ITEM }, (_, i) => Math.cos(i * 0.3));
const noise = Float32Array.from({ length: 2 * ITEM }, (_, i) => Math.sin(i * 1.9 + 0.4));
const otherNoise = Float32Array.from({ length: 2 * ITEM }, (_, i) => Math.cos(i * 1.3 + 0.2));

interface Call {
  readonly t: number;
  readonly drawn: boolean;
  readonly out: StepOutput;
}

interface RunOptions {
  readonly options?: NoiseOptions;
  /** The noise given to each call (none when undefined). */
  readonly noiseAt?: (call: number) => Float32Array | undefined;
  /** Output buffers for each call, and the sample to step from (default: a shared fixed sample). */
  readonly buffers?: (call: number) => { readonly x: Float32Array; readonly out?: StepOutput };
  /** Calls to run (default: the whole plan). */
  readonly calls?: number;
  /** Runs before each step, after noiseDrawnAt (the step without noise, where noise is drawn). */
  readonly before?: (s: Scheduler, t: number, drawn: boolean) => void;
}

/**
 * Runs the plan as the sampling loop does, from the same sample and model output at every call (so a call's output
 * depends on its own noise and the scheduler's state only): scaleModelInput, noiseDrawnAt, then step.
 */
function runPlan(s: Scheduler, run: RunOptions = {}): Call[] {
  const calls: Call[] = [];
  const plan = Array.from(s.timesteps);
  const count = run.calls ?? plan.length;
  for (let call = 0; call < count; call++) {
    const t = plan[call]!;
    const { x, out } = run.buffers?.(call) ?? { x: sample };
    s.scaleModelInput(x, t);
    const drawn = s.noiseDrawnAt(t, run.options);
    run.before?.(s, t, drawn);
    const given = run.noiseAt?.(call);
    const result = s.step(modelOutput, t, x, { ...run.options, ...(given ? { noise: given } : {}), ...(out ? { out } : {}) });
    calls.push({ t, drawn, out: { prevSample: result.prevSample.slice(), predOriginalSample: result.predOriginalSample.slice() } });
  }
  return calls;
}

function configErrorOf(make: () => unknown): ConfigError {
  let error: unknown;
  try {
    make();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('the contract covers every scheduler class', () => {
  it('one subject per class that index.ts exports with a fromConfig, and per registry name', () => {
    const exported = Object.entries(schedule)
      .filter(([, value]) => typeof value === 'function' && typeof (value as { fromConfig?: unknown }).fromConfig === 'function')
      .map(([name]) => name);
    const names = subjects.map((s) => s.name).sort();
    expect(names).toEqual(exported.sort());
    expect(names).toEqual([...SCHEDULER_CLASS_NAMES].sort());
  });
});

for (const subject of subjects) {
  describe(`${subject.name} scheduler contract`, () => {
    it('plans the model calls of its family, with diffusers’ order', () => {
      const s = subject.fromConfig({});
      expect(s.className).toBe(subject.name);
      expect(s.order).toBe(subject.order);
      expect(s.numInferenceSteps).toBe(subject.stepsBeforePlan);
      for (const steps of [subject.fewestSteps, 10, 25]) {
        s.setTimesteps(steps);
        expect(s.numInferenceSteps).toBe(steps);
        expect(s.timesteps.length, `${steps} steps`).toBe(subject.calls(steps));
      }
    });

    it('setTimesteps resets all state: a run after a partial run equals a fresh run', () => {
      const fresh = subject.fromConfig({ timestep_spacing: 'trailing' });
      fresh.setTimesteps(20);
      const expected = runPlan(fresh, { noiseAt: () => noise, options: { eta: 1 } });
      const s = subject.fromConfig({ timestep_spacing: 'trailing' });
      s.setTimesteps(20);
      const first = Array.from(s.timesteps);
      runPlan(s, { noiseAt: () => otherNoise, options: { eta: 1 }, calls: 5 });
      s.setTimesteps(20);
      expect(Array.from(s.timesteps)).toEqual(first);
      expect(s.numInferenceSteps).toBe(20);
      expect(runPlan(s, { noiseAt: () => noise, options: { eta: 1 } })).toEqual(expected);
    });

    it('step returns finite float32 outputs shaped like the sample', () => {
      const s = subject.fromConfig({});
      s.setTimesteps(10);
      for (const { out } of runPlan(s, { noiseAt: () => noise, options: { eta: 1 } })) {
        expect(out.prevSample).toBeInstanceOf(Float32Array);
        expect(out.predOriginalSample).toBeInstanceOf(Float32Array);
        expect(out.prevSample).toHaveLength(sample.length);
        expect(out.predOriginalSample).toHaveLength(sample.length);
        expect(out.prevSample.every(Number.isFinite)).toBe(true);
      }
    });

    it('step writes into options.out, and prevSample may be the sample itself, at every call', () => {
      const s = subject.fromConfig({});
      s.setTimesteps(10);
      const expected = runPlan(s, { noiseAt: () => noise });
      s.setTimesteps(10);
      const written = runPlan(s, {
        noiseAt: () => noise,
        buffers: () => {
          const x = sample.slice();
          return { x, out: { prevSample: x, predOriginalSample: new Float32Array(x.length) } };
        },
      });
      expect(written).toEqual(expected);
      // The returned buffers are the given ones.
      s.setTimesteps(10);
      const t = s.timesteps[0]!;
      const x = sample.slice();
      const out = { prevSample: x, predOriginalSample: new Float32Array(x.length) };
      s.scaleModelInput(x, t);
      const result = s.step(modelOutput, t, x, { noise, out });
      expect(result.prevSample).toBe(x);
      expect(result.predOriginalSample).toBe(out.predOriginalSample);
    });

    it(`scaleModelInput: ${subject.input === 'sigma' ? 'x/√(σ²+1), with initNoiseSigma = σ_max' : 'the sample itself, initNoiseSigma 1'}`, () => {
      const s = subject.fromConfig({});
      s.setTimesteps(10);
      const t = s.timesteps[0]!;
      const out = new Float32Array(sample.length).fill(7);
      if (subject.input === 'sigma') {
        expect(s.initNoiseSigma).toBeGreaterThan(1);
        const divisor = Math.sqrt(s.initNoiseSigma ** 2 + 1);
        const scaled = s.scaleModelInput(sample, t);
        expect(scaled).not.toBe(sample);
        for (let i = 0; i < sample.length; i++) expect(scaled[i]).toBeCloseTo(sample[i]! / divisor, 6);
        expect(s.scaleModelInput(sample, t, out)).toBe(out);
        expect(out).toEqual(scaled);
        return;
      }
      expect(s.initNoiseSigma).toBe(1);
      expect(s.scaleModelInput(sample, t)).toBe(sample);
      expect(s.scaleModelInput(sample, t, out)).toBe(sample);
      expect(out.every((v) => v === 7)).toBe(true);
    });

    it('fromConfig(toConfig()) gives an equal scheduler', () => {
      for (const config of [...roundTripConfigs, ...subject.ownRoundTrip]) {
        const a = subject.fromConfig(config);
        const written = a.toConfig();
        expect(written['_class_name']).toBe(subject.name);
        const b = subject.fromConfig(JSON.parse(JSON.stringify(written)));
        expect(b.config, JSON.stringify(config)).toEqual(a.config);
        expect(b.toConfig()).toEqual(written);
        expect(b.ignoredKeys).toEqual([]);
        expect(b.betas).toEqual(a.betas);
        expect(b.alphasCumprod).toEqual(a.alphasCumprod);
      }
    });

    it("accepts other classes' configs, applies the keys it takes and lists the others in ignoredKeys", () => {
      for (const [config, ignored] of subject.foreign) {
        const s = subject.fromConfig(config);
        expect([...s.ignoredKeys].sort(), JSON.stringify(config)).toEqual([...ignored].sort());
        const written = s.toConfig();
        for (const [key, value] of Object.entries(config)) {
          if (!key.startsWith('_') && !ignored.includes(key)) expect(written[key], key).toEqual(value);
        }
      }
    });

    it("ignores the keys of option groups it does not take, whatever their value (diffusers' from_config)", () => {
      const groups = (Object.keys(groupInvalid) as KeyGroup[]).filter((g) => !subject.takes.includes(g));
      for (const group of groups) {
        for (const [config] of groupInvalid[group]) {
          expect([...subject.fromConfig(config).ignoredKeys].sort(), JSON.stringify(config)).toEqual(Object.keys(config).sort());
        }
      }
    });

    it('each invalid config raises a ConfigError naming the key, the value and what is allowed', () => {
      const own = subject.takes.flatMap((g) => groupInvalid[g]);
      for (const [config, key] of [...sharedInvalid, ...own, ...subject.ownInvalid]) {
        const error = configErrorOf(() => subject.fromConfig(config));
        expect(error.key, JSON.stringify(config)).toBe(key);
        expect(error.message).toContain(key);
        expect(error.message).toContain('allowed');
        expect(error.allowed.length).toBeGreaterThan(0);
      }
      for (const input of [null, [], 'ddim', 42]) expect(() => subject.fromConfig(input)).toThrow(ConfigError);
    });

    it(`rescale_betas_zero_snr with epsilon prediction is ${subject.zeroSnrEpsilon}`, () => {
      const config = { rescale_betas_zero_snr: true, prediction_type: 'epsilon' };
      if (subject.zeroSnrEpsilon === 'refused') {
        expect(configErrorOf(() => subject.fromConfig(config)).key).toBe('prediction_type');
        return;
      }
      const s = subject.fromConfig(config);
      const n = s.config.numTrainTimesteps;
      if (subject.zeroSnrEpsilon === 'ignored') {
        expect(s.ignoredKeys).toEqual(['rescale_betas_zero_snr']);
        expect(s.alphasCumprod[n - 1]).toBeGreaterThan(2 ** -24);
        return;
      }
      // The σ-reading classes clamp the zero terminal ᾱ to 2⁻²⁴ (σ_max = 4096) and step finitely from there.
      expect(s.ignoredKeys).toEqual([]);
      expect(s.config.rescaleBetasZeroSnr).toBe(true);
      expect(s.alphasCumprod[n - 1]).toBe(2 ** -24);
      s.setTimesteps(10);
      expect(s.timesteps[0]).toBe(n - 1);
      for (const { out } of runPlan(s, { noiseAt: () => noise })) expect(out.prevSample.every(Number.isFinite)).toBe(true);
    });

    it(`setTimesteps rejects non-integer, < ${subject.fewestSteps} and > num_train_timesteps step counts with a ConfigError`, () => {
      const s = subject.fromConfig({});
      const refused = [0, -3, 1001, 2.5, Number.NaN, Number.POSITIVE_INFINITY];
      for (let steps = 1; steps < subject.fewestSteps; steps++) refused.push(steps);
      for (const steps of refused) {
        expect(() => s.setTimesteps(steps), String(steps)).toThrow(ConfigError);
        expect(() => s.setTimesteps(steps)).toThrow(/num_inference_steps/);
      }
      s.setTimesteps(subject.fewestSteps);
      expect(s.numInferenceSteps).toBe(subject.fewestSteps);
    });

    it(`a plan past the last training timestep is refused by setTimesteps${subject.readsStepsOffset ? '' : ' (none: steps_offset is not read)'}`, () => {
      // Leading spacing with steps_offset 999 plans timesteps above 999 (diffusers: IndexError at step).
      const offset = subject.fromConfig({ timestep_spacing: 'leading', steps_offset: 999 });
      if (subject.readsStepsOffset) {
        expect(configErrorOf(() => offset.setTimesteps(4)).key).toBe('steps_offset');
        return;
      }
      offset.setTimesteps(4);
      const plain = subject.fromConfig({ timestep_spacing: 'leading' });
      plain.setTimesteps(4);
      expect(offset.timesteps).toEqual(plain.timesteps);
    });

    it(`step at an unplanned timestep: ${subject.unplanned}`, () => {
      // LCM plans at most original_inference_steps timesteps; the other classes ignore the key.
      const config = { timestep_spacing: 'leading', original_inference_steps: 1000 };
      const s = subject.fromConfig(config);
      s.setTimesteps(10);
      if (subject.unplanned === 'RangeError') {
        expect(() => s.step(modelOutput, 1000, sample, { noise })).toThrow(RangeError);
        return;
      }
      const last = subject.fromConfig(config);
      last.setTimesteps(10);
      const lastT = last.timesteps[last.timesteps.length - 1]!;
      expect(s.step(modelOutput, 1000, sample, { noise })).toEqual(last.step(modelOutput, lastT, sample, { noise }));
    });

    it(`step refuses mismatched lengths with a RangeError${subject.batched ? ', and a batch size that does not divide the sample' : '; it ignores the batch size'}`, () => {
      const s = subject.fromConfig({});
      s.setTimesteps(10);
      const t = s.timesteps[0]!;
      expect(() => s.step(modelOutput.subarray(1), t, sample, { noise })).toThrow(RangeError);
      const out = { prevSample: new Float32Array(1), predOriginalSample: new Float32Array(sample.length) };
      expect(() => s.step(modelOutput, t, sample, { noise, out })).toThrow(RangeError);
      const bad = () => s.step(modelOutput, t, sample, { noise, batchSize: 5 });
      if (subject.batched) expect(bad).toThrow(RangeError);
      else expect(bad).not.toThrow();
    });

    for (const noiseCase of subject.noiseCases) {
      it(`noise (${noiseCase.label}): noiseDrawnAt, the steps that require it, and the outputs it changes`, () => {
        const s = subject.fromConfig(noiseCase.config);
        s.setTimesteps(10);
        const calls = s.timesteps.length;
        const { options } = noiseCase;
        const withNoise = runPlan(s, { options, noiseAt: () => noise });
        const drawn = withNoise.map((c) => c.drawn);
        expect(drawn).toEqual(Array.from({ length: calls }, (_, call) => noiseCase.drawnAt(call, calls)));

        // Without noise, a drawing step throws (and leaves the state as it was); the others ignore a missing noise.
        s.setTimesteps(10);
        const without = runPlan(s, {
          options,
          noiseAt: (call) => (drawn[call] ? noise : undefined),
          before: (scheduler, t, isDrawn) => {
            if (!isDrawn) return;
            expect(() => scheduler.step(modelOutput, t, sample, options)).toThrow(/noise is required/);
            expect(() => scheduler.step(modelOutput, t, sample, { ...options, noise: noise.subarray(1) })).toThrow(RangeError);
          },
        });
        expect(without).toEqual(withNoise);

        // Other noise changes the output exactly at the drawn calls whose noise is not multiplied by zero.
        s.setTimesteps(10);
        const other = runPlan(s, { options, noiseAt: () => otherNoise });
        const changed = other.map((c, call) => c.out.prevSample.some((v, i) => v !== withNoise[call]!.out.prevSample[i]));
        const expected = drawn.map((d, call) => d && !(noiseCase.inertAt?.(call, calls) ?? false));
        expect(changed).toEqual(expected);
      });
    }

    it(`batch items are independent: a batch of 2 equals two single steps${subject.takes.includes('thresholding') ? ', with a threshold per item' : ''}`, () => {
      const config = { thresholding: true, sample_max_value: 100, clip_sample: false };
      const s = subject.fromConfig(config);
      s.setTimesteps(10);
      // Late in the plan, where |x0| stays below sample_max_value, so the thresholds are the items' own quantiles.
      const t = s.timesteps[8]!;
      // The second item is 4× larger, so its threshold differs from the first item's.
      const batch = Float32Array.from(sample, (v, i) => (i >= ITEM ? 4 * v : v));
      const both = s.step(modelOutput, t, batch, { noise, eta: 0.5, batchSize: 2 });
      for (const item of [0, 1]) {
        const part = (a: Float32Array) => a.slice(item * ITEM, (item + 1) * ITEM);
        s.setTimesteps(10);
        const one = s.step(part(modelOutput), t, part(batch), { noise: part(noise), eta: 0.5 });
        expect(part(both.prevSample)).toEqual(one.prevSample);
        expect(part(both.predOriginalSample)).toEqual(one.predOriginalSample);
      }
      s.setTimesteps(10);
      const whole = s.step(modelOutput, t, batch, { noise, eta: 0.5, batchSize: 1 });
      if (subject.takes.includes('thresholding')) expect(whole.predOriginalSample).not.toEqual(both.predOriginalSample);
      else expect(whole.predOriginalSample).toEqual(both.predOriginalSample);
    });
  });
}
