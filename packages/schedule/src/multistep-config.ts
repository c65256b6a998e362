// The keys DPM-Solver and UniPC share (see multistep-scheduler.ts): the solver's order and type, the lower orders
// at the end, denoise's equal-σ extension, and the flow-matching keys, which are accepted only switched off.

import {
  checkedKey,
  configKey,
  onlyValue,
  readBoolean,
  readInteger,
  readLiteral,
  readNumber,
  type KeyTable,
} from './scheduler-config.js';

/** DPM-Solver: midpoint | heun (logrho, bh1, bh2 become midpoint); UniPC: bh1 | bh2 (midpoint, heun, logrho become bh2). */
export type SolverType = 'midpoint' | 'heun' | 'logrho' | 'bh1' | 'bh2';
/**
 * What a DPM-Solver or UniPC step between two equal σ (h = 0) does: the last step of Karras sigmas with
 * final_sigmas_type 'sigma_min', whose last two σ are both σ_min. A denoise extension (JSON key `equal_sigma_step`).
 * - `'diffusers'` (default): diffusers' formulas, which give the sample back at order 1 and for the order-2
 *   midpoint update, but NaN (0/0) at order 3 and for the order-2 heun update (UniPC: NaN at order 3).
 * - `'identity'`: the sample unchanged at every order, the exact solution of a zero-length step.
 */
export type EqualSigmaStep = 'diffusers' | 'identity';

export interface MultistepConfig {
  readonly solverOrder: number;
  readonly solverType: SolverType;
  readonly lowerOrderFinal: boolean;
  /** A denoise extension (JSON key `equal_sigma_step`). */
  readonly equalSigmaStep: EqualSigmaStep;
}

const SOLVER_TYPES: readonly SolverType[] = ['midpoint', 'heun', 'logrho', 'bh1', 'bh2'];
const EQUAL_SIGMA_STEPS: readonly EqualSigmaStep[] = ['diffusers', 'identity'];

export const MULTISTEP_KEYS: KeyTable = {
  solver_order: configKey('solverOrder', readInteger(1, 3)),
  solver_type: configKey('solverType', readLiteral(SOLVER_TYPES)),
  lower_order_final: configKey('lowerOrderFinal', readBoolean),
  equal_sigma_step: configKey('equalSigmaStep', readLiteral(EQUAL_SIGMA_STEPS), { extension: true }),
  use_flow_sigmas: checkedKey(onlyValue(false, 'flow-matching sigmas are not supported')),
  flow_shift: checkedKey((k, v) => readNumber(k, v, 'a finite number', () => true)),
  use_dynamic_shifting: checkedKey(onlyValue(false, 'dynamic shifting (flow matching) is not supported')),
  time_shift_type: checkedKey(readLiteral(['exponential', 'linear'])),
};

/** The fields' values in a class that does not take the keys: DPM-Solver's defaults. */
export const MULTISTEP_FALLBACK: MultistepConfig = {
  solverOrder: 2,
  solverType: 'midpoint',
  lowerOrderFinal: true,
  equalSigmaStep: 'diffusers',
};
