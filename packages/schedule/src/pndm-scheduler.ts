import { ConfigError } from './config-error.js';
import { DiscreteScheduler, predOriginalCoefficients } from './discrete-scheduler.js';
import { checkStepArguments } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';
import { checkInferenceSteps } from './timestep-plan.js';

/** PRK needs the four highest timesteps of the plan (diffusers' `pndm_order`). */
const PRK_ORDER = 4;
const PRK_CALLS = 3 * PRK_ORDER;

/**
 * Pseudo numerical methods for diffusion models (Liu, Ren, Lin & Zhao 2022, "Pseudo Numerical Methods for
 * Diffusion Models on Manifolds", ICLR), step for step as diffusers' `PNDMScheduler`.
 *
 * Every call moves the sample with the paper's transfer part φ (eq. 11, DDIM's step written in ε):
 *   x_prev = √(ᾱ_prev/ᾱ_t)·x_t − (ᾱ_prev − ᾱ_t) / (ᾱ_t·√(1−ᾱ_prev) + √(ᾱ_t(1−ᾱ_t)ᾱ_prev)) · ε'
 * where ε' is the gradient part, a combination of model outputs:
 * - PRK, pseudo Runge–Kutta (eq. 13), `skip_prk_steps = false`: four model calls per step over the three
 *   highest steps (12 calls, `prkTimesteps`: t, t−δ/2, t−δ/2, t−δ, δ/2 = N // S // 2); each call steps from the
 *   block's first sample, and the fourth uses ε' = (ε₁ + 2ε₂ + 2ε₃ + ε₄)/6 at t. Only ε₁ enters the history.
 * - PLMS, pseudo linear multistep (eq. 12): Adams–Bashforth over the last outputs,
 *   ε' = (3ε₀ − ε₋₁)/2, (23ε₀ − 16ε₋₁ + 5ε₋₂)/12, (55ε₀ − 59ε₋₁ + 37ε₋₂ − 9ε₋₃)/24 by history length.
 *   With `skip_prk_steps` (crowsonkb's PLMS, the Stable Diffusion default) the first step is plain φ with ε₀,
 *   and the second call (at the repeated second timestep) redoes it from the first sample with (ε₀ + ε₁)/2,
 *   a Heun-like corrector whose output does not enter the history.
 * `timesteps` holds one entry per model call: `prkTimesteps` then `plmsTimesteps` (S+9 calls, or S+1 with
 * skip_prk_steps). There is no step index: a call counter drives everything, so `step` must be called once
 * per entry, in order, after `setTimesteps`.
 *
 * diffusers moves every PLMS step from t to t − N // S (and PRK's first half-step to t − N // S // 2), not
 * to the next planned timestep: for linspace with 20 steps 999 → 949 while the next call is at 946. That is
 * the default (`prev_timestep: 'diffusers'`); `prev_timestep: 'schedule'` steps to where the next call is
 * evaluated (PLMS: the planned timestep after t, so t must be in the plan; PRK: the next PRK call's timestep,
 * so the 12 PRK calls must come first and in order). The two agree for leading spacing (PRK: when N // S is
 * even).
 */
export class PNDMScheduler extends DiscreteScheduler {
  readonly className = 'PNDMScheduler' as const;
  /** ᾱ used once the previous timestep falls below 0: 1 with set_alpha_to_one, else ᾱ_0. */
  readonly finalAlphaCumprod: number;

  private prk = new Int32Array(0);
  private plms = new Int32Array(0);
  private calls = new Int32Array(0);
  private callCount = 0;
  /** Stored model outputs (diffusers' `ets`, last four kept), oldest first. */
  private readonly history: Float32Array[] = [];
  /** Spare buffers for the history. */
  private readonly spare: Float32Array[] = [];
  /** The sample a PRK block (or the skip-PRK first step) started from; diffusers' `cur_sample`. */
  private startSample: Float32Array | null = null;
  /** PRK's running (ε₁ + 2ε₂ + 2ε₃)/6; diffusers' `cur_model_output`. */
  private prkSum: Float32Array | null = null;
  /** The first PLMS call's (timestep, prev timestep), redone by the second under prev_timestep 'schedule'. */
  private firstMove: readonly [number, number] = [0, 0];
  private elements = -1;

  private constructor(config: unknown) {
    super(config, 'PNDMScheduler');
    this.finalAlphaCumprod = this.config.setAlphaToOne ? 1 : (this.alphasCumprod[0] as number);
  }

  /**
   * Builds a scheduler from a diffusers `scheduler_config.json` object as is. Keys of other classes are
   * accepted and listed in `ignoredKeys`. `prediction_type: 'sample'` is refused (diffusers refuses it at step).
   */
  static fromConfig(config: unknown): PNDMScheduler {
    return new PNDMScheduler(config);
  }

  /** One entry per model call: `prkTimesteps` then `plmsTimesteps` (empty before setTimesteps). Do not modify. */
  override get timesteps(): Int32Array {
    return this.calls;
  }

  /** The 12 PRK calls' timesteps (empty with skip_prk_steps or before setTimesteps). Do not modify. */
  get prkTimesteps(): Int32Array {
    return this.prk;
  }

  /** The PLMS calls' timesteps (with skip_prk_steps the second-highest repeats). Do not modify. */
  get plmsTimesteps(): Int32Array {
    return this.plms;
  }

  /** Model calls stepped since setTimesteps (diffusers' `counter`). */
  get counter(): number {
    return this.callCount;
  }

  /**
   * Plans `steps` inference steps by the config's spacing (diffusers' timesteps for DDIM) and resets the
   * counter and history. Without skip_prk_steps, PRK needs at least 4 steps (diffusers fails below that).
   */
  protected override planTimesteps(steps: number): void {
    const n = this.config.numTrainTimesteps;
    checkInferenceSteps(steps, n);
    const skip = this.config.skipPrkSteps;
    if (!skip && steps < PRK_ORDER) {
      throw new ConfigError(
        'num_inference_steps',
        steps,
        `an integer in [${PRK_ORDER}, ${n}] (PRK runs over the ${PRK_ORDER} highest timesteps; skip_prk_steps allows 1)`,
      );
    }
    super.planTimesteps(steps);
    const plan = this.plan;
    if (skip) {
      this.prk = new Int32Array(0);
      // [p0, p1, p1, p2, …, p_{S−1}]: the second call repeats p1.
      this.plms = steps === 1 ? Int32Array.of(plan[0] as number) : new Int32Array(steps + 1);
      if (steps > 1) {
        this.plms[0] = plan[0] as number;
        this.plms.set(plan.subarray(1, 2), 1);
        this.plms.set(plan.subarray(1), 2);
      }
    } else {
      const half = Math.floor(Math.floor(n / steps) / 2);
      this.prk = new Int32Array(PRK_CALLS);
      for (let j = 0; j < PRK_ORDER - 1; j++) {
        const next = plan[j + 1] as number;
        this.prk.set([plan[j] as number, next + half, next + half, next], 4 * j);
      }
      this.plms = plan.slice(PRK_ORDER - 1);
    }
    this.calls = new Int32Array(this.prk.length + this.plms.length);
    this.calls.set(this.prk);
    this.calls.set(this.plms, this.prk.length);
    this.callCount = 0;
    this.spare.push(...this.history.splice(0));
  }

  /** PNDM never draws noise. */
  noiseDrawnAt(_timestep: number, _options?: NoiseOptions): boolean {
    return false;
  }

  /**
   * One model call's step (PRK for the first 12 calls unless skip_prk_steps, PLMS after). `timestep` is the
   * call's entry of `timesteps`; `predOriginalSample` is the model's x0 estimate at it, from `sample` and
   * `modelOutput`: x0 = (x − √(1−ᾱ_t)·ε)/√ᾱ_t, or √ᾱ_t·x − √(1−ᾱ_t)·v.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const steps = this.inferenceSteps;
    if (steps === null) {
      throw new Error('PNDMScheduler.step needs setTimesteps(steps) first (the step size is N // steps)');
    }
    const { out } = checkStepArguments(modelOutput, sample, options, 1, false);
    this.prepareState(sample.length);
    const schedule = this.config.prevTimestep === 'schedule';
    const inPrk = this.callCount < this.prk.length;
    if (schedule && inPrk && this.prk[this.callCount] !== timestep) {
      // PRK is driven by the counter alone (diffusers steps from prk_timesteps whatever t is passed).
      throw new RangeError(
        `prev_timestep 'schedule': PRK call ${this.callCount} is at ${this.prk[this.callCount]}, got ${timestep} ` +
          '(PRK runs over the highest timesteps first; start part-way only with skip_prk_steps)',
      );
    }
    const { px, pm } = predOriginalCoefficients(this.config.predictionType, this.alphaCumprodAt(timestep));
    if (inPrk) this.stepPrk(modelOutput, timestep, sample, out, px, pm, schedule);
    else this.stepPlms(modelOutput, timestep, sample, out, px, pm, schedule, steps);
    this.callCount++;
    return out;
  }

  /**
   * prev = gx·x + gm·ε' (eq. 11), with v converted to ε' = √ᾱ_t·v + √(1−ᾱ_t)·x first (diffusers converts the
   * combined output with the sample it steps from).
   */
  private transfer(timestep: number, prevTimestep: number): { readonly gx: number; readonly gm: number } {
    const a = this.alphaCumprodAt(timestep);
    const ap = prevTimestep >= 0 ? this.alphaCumprodAt(prevTimestep) : this.finalAlphaCumprod;
    const sampleCoeff = Math.sqrt(ap / a);
    const k = (ap - a) / (a * Math.sqrt(1 - ap) + Math.sqrt(a * (1 - a) * ap));
    const result =
      this.config.predictionType === 'v_prediction'
        ? { gx: sampleCoeff - k * Math.sqrt(1 - a), gm: -k * Math.sqrt(a) }
        : { gx: sampleCoeff, gm: -k };
    this.checkCoefficients(result, timestep);
    return result;
  }

  private stepPrk(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    out: StepOutput,
    px: number,
    pm: number,
    schedule: boolean,
  ): void {
    const c = this.callCount;
    const phase = c % 4;
    const half = Math.floor(Math.floor(this.config.numTrainTimesteps / (this.inferenceSteps as number)) / 2);
    let prevT = timestep;
    if (phase % 2 === 0) prevT = schedule ? (this.prk[c + 1] as number) : timestep - half;
    const { gx, gm } = this.transfer(this.prk[c - phase] as number, prevT);
    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    const sum = this.prkSum as Float32Array;
    const n = sample.length;
    if (phase === 0) {
      const start = this.startSample as Float32Array;
      const kept = this.push();
      for (let i = 0; i < n; i++) {
        const x = sample[i] as number;
        const m = modelOutput[i] as number;
        start[i] = x;
        kept[i] = m;
        sum[i] = m / 6;
        pred[i] = px * x + pm * m;
        prev[i] = gx * x + gm * m;
      }
      return;
    }
    const start = this.startSample as Float32Array;
    if (phase < 3) {
      for (let i = 0; i < n; i++) {
        const m = modelOutput[i] as number;
        pred[i] = px * (sample[i] as number) + pm * m;
        sum[i] = (sum[i] as number) + m / 3;
        prev[i] = gx * (start[i] as number) + gm * m;
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      const m = modelOutput[i] as number;
      pred[i] = px * (sample[i] as number) + pm * m;
      prev[i] = gx * (start[i] as number) + gm * ((sum[i] as number) + m / 6);
    }
  }

  private stepPlms(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    out: StepOutput,
    px: number,
    pm: number,
    schedule: boolean,
    steps: number,
  ): void {
    const c = this.callCount;
    const delta = Math.floor(this.config.numTrainTimesteps / steps);
    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    const n = sample.length;
    if (c === 1) {
      // skip_prk_steps' second call: redo the first step from its sample with the mean of both outputs.
      const [from, to] = schedule ? this.firstMove : [timestep + delta, timestep];
      const { gx, gm } = this.transfer(from, to);
      const first = this.history[this.history.length - 1] as Float32Array;
      const start = this.startSample as Float32Array;
      for (let i = 0; i < n; i++) {
        const m = modelOutput[i] as number;
        pred[i] = px * (sample[i] as number) + pm * m;
        prev[i] = gx * (start[i] as number) + gm * ((m + (first[i] as number)) / 2);
      }
      return;
    }
    const prevT = schedule ? this.nextPlanned(timestep) : timestep - delta;
    const { gx, gm } = this.transfer(timestep, prevT);
    const kept = this.push();
    const h = this.history;
    const terms = h.length;
    if (terms === 1) {
      if (c !== 0) throw new Error(`internal: PLMS call ${c} has a history of 1`);
      this.firstMove = [timestep, prevT];
      const start = this.startSample as Float32Array;
      for (let i = 0; i < n; i++) {
        const x = sample[i] as number;
        const m = modelOutput[i] as number;
        kept[i] = m;
        start[i] = x;
        pred[i] = px * x + pm * m;
        prev[i] = gx * x + gm * m;
      }
      return;
    }
    const e1 = h[terms - 2] as Float32Array;
    if (terms === 2) {
      for (let i = 0; i < n; i++) {
        const x = sample[i] as number;
        const m = modelOutput[i] as number;
        kept[i] = m;
        pred[i] = px * x + pm * m;
        prev[i] = gx * x + gm * ((3 * m - (e1[i] as number)) / 2);
      }
      return;
    }
    const e2 = h[terms - 3] as Float32Array;
    if (terms === 3) {
      for (let i = 0; i < n; i++) {
        const x = sample[i] as number;
        const m = modelOutput[i] as number;
        kept[i] = m;
        pred[i] = px * x + pm * m;
        prev[i] = gx * x + gm * ((23 * m - 16 * (e1[i] as number) + 5 * (e2[i] as number)) / 12);
      }
      return;
    }
    const e3 = h[terms - 4] as Float32Array;
    const g1 = gm * (55 / 24);
    const g2 = gm * (-59 / 24);
    const g3 = gm * (37 / 24);
    const g4 = gm * (-9 / 24);
    for (let i = 0; i < n; i++) {
      const x = sample[i] as number;
      const m = modelOutput[i] as number;
      kept[i] = m;
      pred[i] = px * x + pm * m;
      prev[i] = gx * x + g1 * m + g2 * (e1[i] as number) + g3 * (e2[i] as number) + g4 * (e3[i] as number);
    }
  }

  /** 'schedule': the planned timestep after t, or −1 after the last. */
  private nextPlanned(timestep: number): number {
    const index = this.planIndexOf(timestep);
    return index === this.plan.length - 1 ? -1 : (this.plan[index + 1] as number);
  }

  /** A buffer appended to the history (the oldest is recycled once four are kept). */
  private push(): Float32Array {
    const buffer =
      this.history.length === PRK_ORDER
        ? (this.history.shift() as Float32Array)
        : (this.spare.pop() ?? new Float32Array(this.elements));
    this.history.push(buffer);
    return buffer;
  }

  /** Allocates the per-run buffers for `length` elements, refusing a length change within a run. */
  private prepareState(length: number): void {
    if (length === this.elements) return;
    if (this.callCount > 0) {
      throw new RangeError(`sample has ${length} elements; this run started with ${this.elements} (call setTimesteps to restart)`);
    }
    this.elements = length;
    this.spare.length = 0;
    this.startSample = new Float32Array(length);
    this.prkSum = this.config.skipPrkSteps ? null : new Float32Array(length);
  }
}
