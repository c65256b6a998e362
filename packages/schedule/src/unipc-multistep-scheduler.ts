import { alphaSigmaOf, convertModelOutput, lambdaOf } from './multistep-schedule.js';
import { MultistepScheduler } from './multistep-scheduler.js';
import type { SchedulerConfig } from './scheduler-config.js';
import { parseSchedulerConfig } from './scheduler-config-registry.js';
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
export class UniPCMultistepScheduler extends MultistepScheduler {
  readonly className = 'UniPCMultistepScheduler' as const;

  /** Converted model outputs of the last `solverOrder` steps, oldest first (copies). */
  private history: Float32Array[] = [];
  /** The (corrected) sample the last predictor started from; null before the first step. */
  private lastSample: Float32Array | null = null;
  private thisOrder = 0;
  private correctorOrder: number | null = null;
  /** Buffers no longer in use (fallen out of the history, or kept from before setTimesteps), for reuse. */
  private readonly pool: Float32Array[] = [];
  private readonly convertConfig: SchedulerConfig;

  private constructor(config: unknown) {
    super(parseSchedulerConfig(config, { scheduler: 'UniPCMultistepScheduler' }), 'unipc');
    // UniPC's ε branch ignores thresholding (only x0 is thresholded).
    this.convertConfig = this.config.predictX0 ? this.config : Object.freeze({ ...this.config, thresholding: false });
  }

  /** Builds the scheduler from a diffusers `scheduler_config.json` object (other classes' keys are ignored). */
  static fromConfig(config: unknown): UniPCMultistepScheduler {
    return new UniPCMultistepScheduler(config);
  }

  /** The orders the last `step` used: the predictor's, and the corrector's (null when it did not run). */
  get lastStepOrders(): { readonly predictor: number; readonly corrector: number | null } {
    return { predictor: this.thisOrder, corrector: this.correctorOrder };
  }

  /** UniPC takes the sample unscaled: returns `sample` itself and leaves `out` untouched. */
  scaleModelInput(sample: Float32Array, _timestep: number, _out?: Float32Array): Float32Array {
    return sample;
  }

  /** UniPC is deterministic. */
  noiseDrawnAt(): boolean {
    return false;
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
    const n = sample.length;
    const { index, batchSize, out } = this.startStep(modelOutput, timestep, sample, options, 1, false);
    const { config } = this;
    const order = config.solverOrder;
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
    thisOrder = Math.min(thisOrder, this.lowerOrderCount + 1);
    const predictor = this.bhUpdate(index, index + 1, thisOrder, false);

    // The converted model output at σ_i goes into a recycled history buffer.
    const converted = this.takeBuffer(n);
    const target = config.predictX0 ? 'x0' : 'epsilon';
    convertModelOutput(this.convertConfig, target, this.sigmaTable[index]!, modelOutput, sample, converted, {
      batchSize,
      x0Out: out.predOriginalSample,
    });
    let last = this.lastSample;
    if (last === null || last.length !== n) last = this.lastSample = this.takeBuffer(n);
    correctAndPredict(out.prevSample, last, sample, converted, this.history, corrector, predictor);

    this.history.push(converted);
    if (this.history.length > order) this.pool.push(this.history.shift()!);
    this.correctorOrder = useCorrector ? this.thisOrder : null;
    this.thisOrder = thisOrder;
    this.finishStep(index);
    return out;
  }

  /** A buffer of n elements from the pool (its contents are stale), or a new one. */
  private takeBuffer(n: number): Float32Array {
    const at = this.pool.findIndex((b) => b.length === n);
    if (at < 0) return new Float32Array(n);
    return this.pool.splice(at, 1)[0]!;
  }

  protected resetSolverState(): void {
    // The buffers are kept for the next run: a sampling run of a few steps would otherwise allocate (and
    // leave to the garbage collector) a sample-sized buffer per history slot every time.
    this.pool.push(...this.history);
    if (this.lastSample !== null) this.pool.push(this.lastSample);
    this.history = [];
    this.lastSample = null;
    this.thisOrder = 0;
    this.correctorOrder = null;
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
