import { finiteSigmaAlphasCumprod } from './beta-schedule.js';
import {
  alphaSigmaOf,
  convertModelOutput,
  indexForTimestep,
  lambdaOf,
  multistepSchedule,
} from './multistep-schedule.js';
import { parseSchedulerConfig, schedulerConfigToJson, type SchedulerConfig } from './scheduler-config.js';
import type { Scheduler } from './scheduler.js';
import { trainingSigmas } from './sigma-schedule.js';
import { checkStepArguments } from './step-arguments.js';
import type { StepOptions, StepOutput } from './step-types.js';

/**
 * Solves the small system R·ρ = b (p ≤ 3) by Gaussian elimination with partial pivoting in float64, as
 * LAPACK's getrf/getrs would. A zero pivot is the singular matrix torch.linalg.solve refuses.
 */
function solveSmall(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = matrix.map((row) => row.slice());
  const b = rhs.slice();
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    if (a[pivot]![col] === 0) {
      throw new RangeError('UniPC: the order conditions form a singular matrix (diffusers raises LinAlgError here)');
    }
    if (pivot !== col) {
      [a[pivot], a[col]] = [a[col]!, a[pivot]!];
      [b[pivot], b[col]] = [b[col]!, b[pivot]!];
    }
    for (let row = col + 1; row < n; row++) {
      const f = a[row]![col]! / a[col]![col]!;
      for (let k = col; k < n; k++) a[row]![k]! -= f * a[col]![k]!;
      b[row]! -= f * b[col]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let s = b[row]!;
    for (let k = row + 1; k < n; k++) s -= a[row]![k]! * x[k]!;
    x[row] = s / a[row]![row]!;
  }
  return x;
}

/**
 * The coefficients of one B(h) update (Zhao et al. 2023, Algorithm 1/2 with eq. 9): from the sample x at
 * λ_s0 to λ_t,
 *   x_t = A·x + C·m0 + E·(Σ_k w_k·(m_k − m0) + wt·(m_t − m0))
 * where m_k are earlier converted model outputs (D_k = (m_k − m0)/r_k, w_k = ρ_k/r_k) and m_t is the model
 * output at t itself (corrector only). A, C, E are σ_t/σ_s0, −α_t·hφ1(h), −α_t·B(h) for x0 prediction and
 * α_t/α_s0, −σ_t·hφ1(h), −σ_t·B(h) for ε prediction.
 */
interface BhUpdate {
  readonly a: number;
  readonly c: number;
  readonly e: number;
  /** ρ_k / r_k for the k-th earlier output (m_{k}, k = 1 … order−1). */
  readonly w: readonly number[];
  /** ρ of (m_t − m0): the corrector's last ρ; 0 for the predictor. */
  readonly wt: number;
}

/**
 * Unified predictor-corrector sampling (UniPC; Zhao, Bai, Rao, Zhou & Lu 2023, "UniPC: A Unified
 * Predictor-Corrector Framework for Fast Sampling of Diffusion Models"), step for step as diffusers'
 * `UniPCMultistepScheduler` with its B(h) variants: bh1 B(h) = h, bh2 B(h) = e^h − 1 (the paper's eq. 9
 * choices), solver orders 1–3, data (x0) or noise (ε) prediction.
 *
 * Each `step` at index i (after the first) runs the corrector UniC first: it re-estimates the sample at i
 * from the previous step's input with this step's model output (order: the previous predictor's), then the
 * predictor UniP moves that corrected sample to i+1. With h = λ_{i+1} − λ_i and r_k = (λ_{i−k} − λ_i)/h
 * (λ = log α_t − log σ_t), ρ solves R·ρ = b with R_jk = r_k^(j−1) (r_p = 1) and b_j = h·φ_{j+1}(h)·j!/B(h),
 * j = 1 … p (Algorithm 2), by Gaussian elimination in float64; order-2 prediction and order-1 correction use
 * ρ = ½ as diffusers does. All per-step scalars are float64; the per-element work is two passes over
 * Float32Arrays: diffusers' convert_model_output (shared with DPM-Solver), then corrector and predictor fused.
 */
export class UniPCMultistepScheduler implements Scheduler {
  readonly className = 'UniPCMultistepScheduler' as const;
  readonly config: SchedulerConfig;
  readonly ignoredKeys: readonly string[];
  readonly betas: Float32Array;
  /** ᾱ; with rescale_betas_zero_snr its last entry is 2^−24 (not 0), as diffusers sets it. */
  readonly alphasCumprod: Float32Array;
  readonly order = 1;
  readonly initNoiseSigma = 1;

  private plan: Int32Array;
  private sigmaTable: Float32Array;
  private inferenceSteps: number | null = null;
  private current: number | null = null;
  private begin: number | null = null;
  /** Converted model outputs of the last `solverOrder` steps, oldest first (copies). */
  private history: Float32Array[] = [];
  private lowerOrderNums = 0;
  /** The (corrected) sample the last predictor started from; null before the first step. */
  private lastSample: Float32Array | null = null;
  private thisOrder = 0;
  private correctorOrder: number | null = null;
  /** The history buffer that fell out last, reused for the next converted output. */
  private spare: Float32Array | null = null;
  private readonly convertConfig: SchedulerConfig;

  private constructor(config: unknown) {
    const parsed = parseSchedulerConfig(config, { scheduler: 'UniPCMultistepScheduler' });
    // diffusers rewrites the DPM-Solver solver types to bh2 in the config.
    const solverType = parsed.config.solverType === 'bh1' ? 'bh1' : 'bh2';
    this.config = Object.freeze({ ...parsed.config, solverType });
    this.ignoredKeys = parsed.ignoredKeys;
    const { betas, alphasCumprod } = finiteSigmaAlphasCumprod(this.config);
    this.betas = betas;
    this.alphasCumprod = alphasCumprod;
    // UniPC's ε branch ignores thresholding (only x0 is thresholded).
    this.convertConfig = this.config.predictX0 ? this.config : Object.freeze({ ...this.config, thresholding: false });
    const n = this.config.numTrainTimesteps;
    this.plan = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
    this.sigmaTable = trainingSigmas(alphasCumprod);
  }

  /** Builds the scheduler from a diffusers `scheduler_config.json` object (other classes' keys are ignored). */
  static fromConfig(config: unknown): UniPCMultistepScheduler {
    return new UniPCMultistepScheduler(config);
  }

  /** One timestep per step, descending (N−1 … 0 before setTimesteps). Do not modify. */
  get timesteps(): Int32Array {
    return this.plan;
  }

  /** σ of every timestep plus the final σ (0, or σ_min with final_sigmas_type 'sigma_min'); the N training σ before setTimesteps. */
  get sigmas(): Float32Array {
    return this.sigmaTable;
  }

  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  /** diffusers' step_index: the index the next `step` uses; null until the first step after setTimesteps. */
  get stepIndex(): number | null {
    return this.current;
  }

  /** diffusers' begin_index (set by setBeginIndex, cleared by setTimesteps). */
  get beginIndex(): number | null {
    return this.begin;
  }

  /** The orders the last `step` used: the predictor's, and the corrector's (null when it did not run). */
  get lastStepOrders(): { readonly predictor: number; readonly corrector: number | null } {
    return { predictor: this.thisOrder, corrector: this.correctorOrder };
  }

  /**
   * diffusers' set_timesteps (shared with DPM-Solver, UniPC's choices: Karras timesteps always rounded, a
   * σ_min final σ is the ladder's last): plans the timesteps and σ, and clears the step index, begin index,
   * model-output history and warm-up count. Throws ConfigError unless 1 ≤ steps ≤ num_train_timesteps.
   */
  setTimesteps(steps: number): void {
    const planned = multistepSchedule(this.config, this.alphasCumprod, steps, { family: 'unipc' });
    this.plan = planned.timesteps;
    this.sigmaTable = planned.sigmas;
    this.inferenceSteps = planned.timesteps.length;
    this.current = null;
    this.begin = null;
    this.history = [];
    this.lowerOrderNums = 0;
    this.lastSample = null;
    this.thisOrder = 0;
    this.correctorOrder = null;
  }

  /** diffusers' set_begin_index: the first `step` runs at this index (img2img); call it after setTimesteps. */
  setBeginIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.plan.length) {
      throw new RangeError(`begin index must be an integer in [0, ${this.plan.length - 1}], got ${index}`);
    }
    this.begin = index;
  }

  /**
   * diffusers' index_for_timestep: the index of t in the timesteps; the second occurrence when t repeats
   * (so an img2img start does not skip a σ), and the last index when t is not planned at all.
   */
  indexForTimestep(timestep: number): number {
    return indexForTimestep(this.plan, timestep);
  }

  /** The sample is the model's input as is. */
  scaleModelInput(sample: Float32Array, _timestep: number, out?: Float32Array): Float32Array {
    if (out === undefined || out === sample) return sample;
    out.set(sample);
    return out;
  }

  /** UniPC is deterministic. */
  noiseDrawnAt(): boolean {
    return false;
  }

  /**
   * x_t = α_t·x0 + σ_t·ε at the σ of each timestep (α_t = 1/√(σ²+1), σ_t = σ·α_t), at the index diffusers'
   * add_noise picks: the begin index (or the current step index once stepping) when one is set, otherwise
   * index_for_timestep of each timestep. One timestep, or one per batch item.
   */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number | Int32Array): Float32Array {
    if (original.length !== noise.length) {
      throw new RangeError(`original and noise must have the same length, got ${original.length} and ${noise.length}`);
    }
    const ts = typeof timestep === 'number' ? [timestep] : Array.from(timestep);
    if (ts.length === 0 || original.length % ts.length !== 0) {
      throw new RangeError(`${ts.length} timesteps do not split ${original.length} elements into equal batch items`);
    }
    const per = original.length / ts.length;
    const out = new Float32Array(original.length);
    for (let b = 0; b < ts.length; b++) {
      const index = this.begin === null ? this.indexForTimestep(ts[b]!) : (this.current ?? this.begin);
      const { alpha, sigma } = alphaSigmaOf(this.sigmaTable[index]!);
      for (let i = b * per; i < (b + 1) * per; i++) out[i] = alpha * original[i]! + sigma * noise[i]!;
    }
    return out;
  }

  /**
   * One UniPC step at `timestep` (one model call): convert the model output to x0 (or ε), correct the
   * sample with it (UniC, from the second step on, unless disabled), then predict the next sample (UniP).
   * The order is min(solver_order, steps taken + 1), capped by the steps left with lower_order_final.
   * Diffusers' failures are kept by default: a singular ρ system and running past the last timestep throw
   * RangeError; degenerate last steps (final σ = 0 with bh1, ε prediction or order > 1; h = 0 at order 3) give
   * NaN as in diffusers. The extensions `zero_sigma_step: 'limit'` (a step into σ = 0 returns the x0
   * estimate) and `equal_sigma_step: 'identity'` (a step between equal σ returns its sample) avoid them.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    if (this.inferenceSteps === null) {
      throw new Error('UniPCMultistepScheduler.step needs setTimesteps(steps) first');
    }
    const n = sample.length;
    const { batchSize, out } = checkStepArguments(modelOutput, sample, options, 1, false);
    if (this.current === null) this.current = this.begin ?? this.indexForTimestep(timestep);
    const index = this.current;
    const { config } = this;
    const order = config.solverOrder;
    if (index >= this.plan.length) {
      throw new RangeError(`UniPC: step ${index} is past the last of ${this.plan.length} timesteps (diffusers fails here too)`);
    }

    if (index + 1 >= this.sigmaTable.length) {
      throw new RangeError(`UniPC: no σ after index ${index} (diffusers fails here too)`);
    }
    if (this.history.length > 0 && this.history[0]!.length !== n) {
      throw new RangeError(`sample has ${n} elements; earlier steps had ${this.history[0]!.length}`);
    }

    // Both updates' scalars first (a singular ρ system throws before any state changes).
    const useCorrector = index > 0 && this.lastSample !== null && !config.disableCorrector.includes(index - 1);
    const corrector = useCorrector ? this.bhUpdate(index - 1, index, this.thisOrder, true) : null;
    let thisOrder = config.lowerOrderFinal ? Math.min(order, this.plan.length - index) : order;
    thisOrder = Math.min(thisOrder, this.lowerOrderNums + 1);
    const predictor = this.bhUpdate(index, index + 1, thisOrder, false);

    // The converted model output at σ_i goes into a recycled history buffer.
    const converted = this.spare?.length === n ? this.spare : new Float32Array(n);
    this.spare = null;
    const target = config.predictX0 ? 'x0' : 'epsilon';
    convertModelOutput(this.convertConfig, target, this.sigmaTable[index]!, modelOutput, sample, converted, {
      batchSize,
      x0Out: out.predOriginalSample,
    });
    let last = this.lastSample;
    if (last === null || last.length !== n) last = this.lastSample = new Float32Array(n);
    correctAndPredict(out.prevSample, last, sample, converted, this.history, corrector, predictor);

    this.history.push(converted);
    if (this.history.length > order) this.spare = this.history.shift()!;
    this.correctorOrder = useCorrector ? this.thisOrder : null;
    this.thisOrder = thisOrder;
    if (this.lowerOrderNums < order) this.lowerOrderNums++;
    this.current = index + 1;
    return out;
  }

  toConfig(): Record<string, unknown> {
    return schedulerConfigToJson(this.config, this.className);
  }

  /**
   * The scalars of one B(h) update from index `from` to index `to` of the σ table, of the given order.
   * Predictor: from i to i+1 with earlier outputs at i−1, i−2. Corrector: from i−1 to i with earlier
   * outputs at i−2, i−3 and ρ_last for this step's output.
   */
  private bhUpdate(from: number, to: number, order: number, corrector: boolean): BhUpdate {
    const { config } = this;
    const sig = this.sigmaTable;
    const t = alphaSigmaOf(sig[to]!);
    const s0 = alphaSigmaOf(sig[from]!);
    if (!corrector && sig[to] === sig[from] && config.equalSigmaStep === 'identity') {
      return { a: 1, c: 0, e: 0, w: [], wt: 0 }; // a zero-length step
    }
    if (!corrector && sig[to] === 0 && config.zeroSigmaStep === 'limit') {
      // σ_t → 0 of the first-order update: x0 itself, or (x − σ_s·ε)/α_s.
      return config.predictX0 ? { a: 0, c: 1, e: 0, w: [], wt: 0 } : { a: 1 / s0.alpha, c: -s0.sigma / s0.alpha, e: 0, w: [], wt: 0 };
    }
    const lambda0 = lambdaOf(sig[from]!);
    const h = lambdaOf(sig[to]!) - lambda0;
    const rks: number[] = [];
    for (let k = 1; k < order; k++) rks.push((lambdaOf(sig[from - k]!) - lambda0) / h);
    rks.push(1);

    const hh = config.predictX0 ? -h : h;
    const hPhi1 = Math.expm1(hh);
    const bh = config.solverType === 'bh1' ? hh : Math.expm1(hh);
    const phi: number[] = [];
    let hPhiK = hPhi1 / hh - 1;
    let factorial = 1;
    for (let i = 1; i <= order; i++) {
      phi.push((hPhiK * factorial) / bh);
      factorial *= i + 1;
      hPhiK = hPhiK / hh - 1 / factorial;
    }
    const system = (size: number): number[][] =>
      Array.from({ length: size }, (_, j) => rks.slice(0, size).map((r) => r ** j));

    let rhos: number[];
    let wt = 0;
    if (corrector) {
      rhos = order === 1 ? [0.5] : solveSmall(system(order), phi);
      wt = rhos[order - 1]!;
    } else if (order === 1) {
      rhos = [];
    } else if (order === 2) {
      rhos = [0.5];
    } else {
      rhos = solveSmall(system(order - 1), phi.slice(0, order - 1));
    }
    const w: number[] = [];
    for (let k = 1; k < order; k++) w.push(rhos[k - 1]! / rks[k - 1]!);

    if (config.predictX0) {
      return { a: t.sigma / s0.sigma, c: -t.alpha * hPhi1, e: -t.alpha * bh, w, wt };
    }
    return { a: t.alpha / s0.alpha, c: -t.sigma * hPhi1, e: -t.sigma * bh, w, wt };
  }
}

/**
 * The per-element work of one step after the conversion, in one pass:
 *   corrector (UniC): last ← A_c·last + C_c·h1 + E_c·(Σ_k w_k·(h_{k+1} − h1) + w_t·(m_t − h1))
 *                     (last ← sample when the corrector does not run)
 *   predictor (UniP): out  ← A_p·last + C_p·m_t + E_p·(Σ_k w_k·(h_k − m_t))
 * where m_t is this step's converted output and h1, h2, h3 the previous steps' (newest first). Each term is
 * written in diffusers' order of operations, so the ±∞ and NaN scalars of degenerate steps give diffusers'
 * NaN/±∞ per element (E·0 where the predictor has no earlier outputs, as diffusers' `pred_res = 0`).
 * `out` may be `sample`: element i of sample is read before element i of out is written.
 */
function correctAndPredict(
  out: Float32Array,
  last: Float32Array,
  sample: Float32Array,
  mt: Float32Array,
  history: readonly Float32Array[],
  corrector: BhUpdate | null,
  predictor: BhUpdate,
): void {
  const top = history.length - 1;
  // Unused slots point at mt; their terms are never evaluated.
  const h1 = history[top] ?? mt;
  const h2 = history[top - 1] ?? mt;
  const h3 = history[top - 2] ?? mt;
  const nc = corrector === null ? -1 : corrector.w.length;
  const ac = corrector?.a ?? 0;
  const cc = corrector?.c ?? 0;
  const ec = corrector?.e ?? 0;
  const wc1 = corrector?.w[0] ?? 0;
  const wc2 = corrector?.w[1] ?? 0;
  const wct = corrector?.wt ?? 0;
  const np = predictor.w.length;
  const { a: ap, c: cp, e: ep } = predictor;
  const wp1 = predictor.w[0] ?? 0;
  const wp2 = predictor.w[1] ?? 0;
  const n = out.length;
  // The steady state of solver orders 1, 2 and 3 (corrector and predictor of the same order) gets a loop
  // of its own; warm-up, final and corrector-disabled steps take the general loop.
  if (nc === 0 && np === 0) {
    const z = ep * 0;
    for (let i = 0; i < n; i++) {
      const m = mt[i]!;
      const p1 = h1[i]!;
      const x = ac * last[i]! + cc * p1 + ec * (wct * (m - p1));
      last[i] = x;
      out[i] = ap * x + cp * m + z;
    }
    return;
  }
  if (nc === 1 && np === 1) {
    for (let i = 0; i < n; i++) {
      const m = mt[i]!;
      const p1 = h1[i]!;
      const x = ac * last[i]! + cc * p1 + ec * (wc1 * (h2[i]! - p1) + wct * (m - p1));
      last[i] = x;
      out[i] = ap * x + cp * m + ep * (wp1 * (p1 - m));
    }
    return;
  }
  if (nc === 2 && np === 2) {
    for (let i = 0; i < n; i++) {
      const m = mt[i]!;
      const p1 = h1[i]!;
      const p2 = h2[i]!;
      const x = ac * last[i]! + cc * p1 + ec * (wc1 * (p2 - p1) + wc2 * (h3[i]! - p1) + wct * (m - p1));
      last[i] = x;
      out[i] = ap * x + cp * m + ep * (wp1 * (p1 - m) + wp2 * (p2 - m));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const m = mt[i]!;
    let x: number;
    if (nc < 0) {
      x = sample[i]!;
    } else {
      const p1 = h1[i]!;
      let d = wct * (m - p1);
      if (nc >= 1) d = wc1 * (h2[i]! - p1) + (nc >= 2 ? wc2 * (h3[i]! - p1) : 0) + d;
      x = ac * last[i]! + cc * p1 + ec * d;
    }
    last[i] = x;
    let r = 0;
    if (np >= 1) r = wp1 * (h1[i]! - m);
    if (np >= 2) r += wp2 * (h2[i]! - m);
    out[i] = ap * x + cp * m + ep * r;
  }
}
