import { alphaSigmaOf, convertModelOutput, lambdaOf, type SolverTarget } from './multistep-schedule.js';
import { MultistepScheduler } from './multistep-scheduler.js';
import { parseSchedulerConfig } from './scheduler-config-registry.js';
import type { StepOptions, StepOutput } from './step-types.js';

/** The update's coefficients: prev = cx·x + c0·m0 + c1·m1 + c2·m2 + cn·z (m0 the newest converted output). */
interface Coefficients {
  readonly cx: number;
  readonly c0: number;
  readonly c1: number;
  readonly c2: number;
  readonly cn: number;
}

/**
 * The multistep DPM-Solver (Lu et al. 2022, "DPM-Solver", arXiv:2206.00927, §3–4) and DPM-Solver++
 * (Lu et al. 2022, arXiv:2211.01095, Algorithms 1–2 and the SDE variant of §5), step for step as diffusers'
 * `DPMSolverMultistepScheduler`.
 *
 * The solvers integrate the diffusion ODE (SDE) exactly in its linear part, in λ = log(α_t/σ_t), with the
 * model's x0 (`dpmsolver++`, `sde-dpmsolver++`) or ε (`dpmsolver`, `sde-dpmsolver`) approximated by a
 * polynomial through the last 1–3 converted model outputs. With h = λ_t − λ_s0, h_i = λ_si − λ_s(i+1),
 * r_i = h_i/h, D0 = m0, D1 = (m0 − m1)/r0 (order 2) or the divided differences of order 3:
 *   dpmsolver++:     x_t = (σ_t/σ_s)·x − α_t(e^−h − 1)·D0 + …           (DPM-Solver++ eq. 9 and its order-3 form)
 *   dpmsolver:       x_t = (α_t/α_s)·x − σ_t(e^h − 1)·D0 − …            (DPM-Solver eq. 3.7 ff.)
 *   sde-dpmsolver++: x_t = (σ_t/σ_s)e^−h·x + α_t(1 − e^−2h)·D0 + … + σ_t√(1 − e^−2h)·z
 *   sde-dpmsolver:   x_t = (α_t/α_s)·x − 2σ_t(e^h − 1)·D0 − … + σ_t√(e^2h − 1)·z
 * (σ, α here are the VP α_t = 1/√(σ²+1), σ_t = σ·α_t of the schedule's σ = √((1−ᾱ)/ᾱ).) The coefficients are
 * computed once per step in float64 from the float32 σ table, then folded onto (x, m0, m1, m2, z), so the
 * per-element work is a few multiply-adds.
 *
 * Order per step, as diffusers: 1 when solver_order is 1, at the first step, or at the last step when
 * `euler_at_final`, `final_sigmas_type: 'zero'`, or `lower_order_final` with fewer than 15 steps; at most 2 at
 * the second step, and at the second-to-last with `lower_order_final` and fewer than 15 steps.
 *
 * State (the last `solver_order` converted outputs, the order used last) lives here and is reset by
 * `setTimesteps`; the plan, the step and begin index, `lower_order_nums` and addNoise are MultistepScheduler's.
 * The step index is set on the first `step`: from `setBeginIndex` if called (img2img pipelines do), else from
 * the timestep (its second occurrence when repeated; the last index when it is not in the schedule).
 */
export class DPMSolverMultistepScheduler extends MultistepScheduler {
  readonly className = 'DPMSolverMultistepScheduler' as const;

  private orderUsed: 1 | 2 | 3 | null = null;
  /** Converted model outputs, oldest first, newest last (diffusers' `model_outputs`); null until filled. */
  private readonly outputs: (Float32Array | null)[];
  private readonly target: SolverTarget;

  private constructor(input: unknown) {
    super(parseSchedulerConfig(input, { scheduler: 'DPMSolverMultistepScheduler' }), 'dpm');
    const { algorithmType } = this.config;
    this.outputs = new Array<Float32Array | null>(this.config.solverOrder).fill(null);
    this.target = algorithmType === 'dpmsolver++' || algorithmType === 'sde-dpmsolver++' ? 'x0' : 'epsilon';
  }

  /**
   * Builds a scheduler from a diffusers `scheduler_config.json` object as is. Keys of other classes are
   * ignored (listed in `ignoredKeys`); `algorithm_type: 'deis'` becomes 'dpmsolver++' and solver types
   * 'logrho', 'bh1', 'bh2' become 'midpoint', as diffusers rewrites them.
   */
  static fromConfig(config: unknown): DPMSolverMultistepScheduler {
    return new DPMSolverMultistepScheduler(config);
  }

  /** The solver order the most recent step used (1–3), or null before the first step after setTimesteps. */
  get lastSolverOrder(): 1 | 2 | 3 | null {
    return this.orderUsed;
  }

  /** DPM-Solver takes the sample unscaled: returns `sample` itself. */
  scaleModelInput(sample: Float32Array, _timestep: number, _out?: Float32Array): Float32Array {
    return sample;
  }

  /** The SDE variants draw fresh noise at every step (including the last); the ODE variants never. */
  noiseDrawnAt(_timestep: number): boolean {
    return this.config.algorithmType === 'sde-dpmsolver++' || this.config.algorithmType === 'sde-dpmsolver';
  }

  /**
   * One multistep update from the sample at `timestep` to the next σ of the plan. `options.noise` is
   * required for the SDE variants. `predOriginalSample` is the model's x0 estimate at this step (the
   * converted output for dpmsolver++, (x − σ_t·ε)/α_t for dpmsolver).
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const { config } = this;
    const n = sample.length;
    const learned = config.varianceType === 'learned' || config.varianceType === 'learned_range';
    const stochastic = this.noiseDrawnAt(timestep);
    const { index, batchSize, out, noise } = this.startStep(modelOutput, timestep, sample, options, learned ? 2 : 1, stochastic);
    const last = this.plan.length - 1;

    // The newest converted output goes last; the oldest buffer is reused for it.
    const recycled = this.outputs.shift() ?? null;
    const m0 = recycled !== null && recycled.length === n ? recycled : new Float32Array(n);
    this.outputs.push(m0);
    const pred = out.predOriginalSample;
    convertModelOutput(config, this.target, this.sigmaTable[index]!, modelOutput, sample, m0, {
      batchSize,
      ...(this.target === 'epsilon' ? { x0Out: pred } : {}),
    });
    if (this.target === 'x0') pred.set(m0);

    const fewSteps = config.lowerOrderFinal && this.plan.length < 15;
    const firstOrderHere =
      index === last && (config.eulerAtFinal || fewSteps || config.finalSigmasType === 'zero');
    const atMostSecondHere = index === last - 1 && fewSteps;
    let order: 1 | 2 | 3;
    if (config.solverOrder === 1 || this.lowerOrderCount < 1 || firstOrderHere) order = 1;
    else if (config.solverOrder === 2 || this.lowerOrderCount < 2 || atMostSecondHere) order = 2;
    else order = 3;
    if (order === 3 && config.algorithmType === 'sde-dpmsolver') {
      throw new Error("diffusers' DPMSolverMultistepScheduler has no third-order update for algorithm_type 'sde-dpmsolver'");
    }

    const { cx, c0, c1, c2, cn } = this.coefficients(order, index);
    const prev = out.prevSample;
    const m1 = order >= 2 ? this.outputs[this.outputs.length - 2]! : m0;
    const m2 = order === 3 ? this.outputs[this.outputs.length - 3]! : m0;
    // prevSample may alias sample: each element is read before it is written.
    if (order === 1) {
      if (noise === undefined) for (let i = 0; i < n; i++) prev[i] = cx * sample[i]! + c0 * m0[i]!;
      else for (let i = 0; i < n; i++) prev[i] = cx * sample[i]! + c0 * m0[i]! + cn * noise[i]!;
    } else if (order === 2) {
      if (noise === undefined) for (let i = 0; i < n; i++) prev[i] = cx * sample[i]! + c0 * m0[i]! + c1 * m1[i]!;
      else for (let i = 0; i < n; i++) prev[i] = cx * sample[i]! + c0 * m0[i]! + c1 * m1[i]! + cn * noise[i]!;
    } else if (noise === undefined) {
      for (let i = 0; i < n; i++) prev[i] = cx * sample[i]! + c0 * m0[i]! + c1 * m1[i]! + c2 * m2[i]!;
    } else {
      for (let i = 0; i < n; i++) prev[i] = cx * sample[i]! + c0 * m0[i]! + c1 * m1[i]! + c2 * m2[i]! + cn * noise[i]!;
    }

    this.orderUsed = order;
    this.finishStep(index);
    return out;
  }

  protected resetSolverState(): void {
    this.orderUsed = null;
    this.outputs.fill(null);
  }

  /** σ at a plan index, with Python's negative indexing (diffusers reads sigmas[step_index − k]). */
  private sigmaAt(index: number): number {
    return this.sigmaTable[index < 0 ? index + this.sigmaTable.length : index]!;
  }

  /**
   * The update at `index` of the given order, folded onto (x, m0, m1, m2, z). Degenerate steps give what
   * diffusers gives: h = 0 (Karras with a σ_min final σ repeats the last σ) makes the order-3 and the
   * order-2 heun coefficients NaN, and the order-1/2 midpoint step the identity; with the denoise extension
   * `equal_sigma_step: 'identity'` every h = 0 step is the identity.
   */
  private coefficients(order: 1 | 2 | 3, index: number): Coefficients {
    const { algorithmType, solverType } = this.config;
    const sigmaNext = this.sigmaAt(index + 1);
    const sigmaNow = this.sigmaAt(index);
    const { alpha: alphaT, sigma: sigmaT } = alphaSigmaOf(sigmaNext);
    const { alpha: alphaS, sigma: sigmaS } = alphaSigmaOf(sigmaNow);
    const lambdaT = lambdaOf(sigmaNext);
    const lambdaS0 = lambdaOf(sigmaNow);
    const h = lambdaT - lambdaS0;
    if (h === 0 && this.config.equalSigmaStep === 'identity') return { cx: 1, c0: 0, c1: 0, c2: 0, cn: 0 };

    // Coefficients on x, D0, D1, D2 and z.
    let cx: number;
    let k0: number;
    let k1 = 0;
    let k2 = 0;
    let cn = 0;
    switch (algorithmType) {
      case 'dpmsolver++': {
        const em1 = Math.exp(-h) - 1; // e^−h − 1
        cx = sigmaT / sigmaS;
        k0 = -alphaT * em1;
        if (order === 2) k1 = solverType === 'midpoint' ? -0.5 * alphaT * em1 : alphaT * (em1 / h + 1);
        if (order === 3) {
          k1 = alphaT * (em1 / h + 1);
          k2 = -alphaT * ((em1 + h) / (h * h) - 0.5);
        }
        break;
      }
      case 'dpmsolver': {
        const ep1 = Math.exp(h) - 1; // e^h − 1
        cx = alphaT / alphaS;
        k0 = -sigmaT * ep1;
        if (order === 2) k1 = solverType === 'midpoint' ? -0.5 * sigmaT * ep1 : -sigmaT * (ep1 / h - 1);
        if (order === 3) {
          k1 = -sigmaT * (ep1 / h - 1);
          k2 = -sigmaT * ((ep1 - h) / (h * h) - 0.5);
        }
        break;
      }
      case 'sde-dpmsolver++': {
        const decay = 1 - Math.exp(-2 * h); // 1 − e^−2h
        cx = (sigmaT / sigmaS) * Math.exp(-h);
        k0 = alphaT * decay;
        if (order === 2) k1 = solverType === 'midpoint' ? 0.5 * alphaT * decay : alphaT * (decay / (-2 * h) + 1);
        if (order === 3) {
          k1 = alphaT * (decay / (-2 * h) + 1);
          k2 = alphaT * ((decay - 2 * h) / (2 * h) ** 2 - 0.5);
        }
        cn = sigmaT * Math.sqrt(decay);
        break;
      }
      case 'sde-dpmsolver': {
        const ep1 = Math.exp(h) - 1;
        cx = alphaT / alphaS;
        k0 = -2 * sigmaT * ep1;
        if (order === 2) k1 = solverType === 'midpoint' ? -sigmaT * ep1 : -2 * sigmaT * (ep1 / h - 1);
        cn = sigmaT * Math.sqrt(Math.exp(2 * h) - 1);
        break;
      }
      case 'deis':
        throw new Error('internal: deis is rewritten to dpmsolver++ at construction');
    }

    if (order === 1) return { cx, c0: k0, c1: 0, c2: 0, cn };
    const lambdaS1 = lambdaOf(this.sigmaAt(index - 1));
    const r0 = (lambdaS0 - lambdaS1) / h;
    const a0 = 1 / r0;
    if (order === 2) {
      // D1 = a0·(m0 − m1).
      return { cx, c0: k0 + k1 * a0, c1: -k1 * a0, c2: 0, cn };
    }
    const lambdaS2 = lambdaOf(this.sigmaAt(index - 2));
    const r1 = (lambdaS1 - lambdaS2) / h;
    const a1 = 1 / r1;
    const b = r0 / (r0 + r1);
    const g = 1 / (r0 + r1);
    // D1 = (1+b)·a0·(m0 − m1) − b·a1·(m1 − m2);  D2 = g·a0·(m0 − m1) − g·a1·(m1 − m2).
    return {
      cx,
      c0: k0 + k1 * (1 + b) * a0 + k2 * g * a0,
      c1: -k1 * ((1 + b) * a0 + b * a1) - k2 * g * (a0 + a1),
      c2: k1 * b * a1 + k2 * g * a1,
      cn,
    };
  }
}
