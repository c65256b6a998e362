import { multistepSchedule, type MultistepFamily } from './multistep-schedule.js';
import { SchedulerBase } from './scheduler-base.js';
import type { ParsedSchedulerConfig } from './scheduler-config.js';
import type { Scheduler } from './scheduler.js';
import { trainingSigmas } from './sigma-schedule.js';
import { checkBeginIndex, checkStepArguments, type StepArguments } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';
import { timestepIndexOf } from './timestep-plan.js';

const f32 = Math.fround;

/** What `startStep` returns: the checked arguments and the plan index this step runs at. */
export interface MultistepStepStart extends StepArguments {
  readonly index: number;
}

/**
 * What diffusers' two multistep solvers, DPMSolverMultistepScheduler and UniPCMultistepScheduler, keep
 * alike: the config (as the subclass parsed and rewrote it), β and ᾱ (the zero-SNR ᾱ clamped to 2⁻²⁴), the
 * integer timestep plan and its float32 σ table (N−1 … 0 and the training sigmas before `setTimesteps`, then
 * multistepSchedule), the step index and begin index (diffusers' `set_begin_index`, and the lazy
 * `_init_step_index`: the begin index, else `index_for_timestep`), `lower_order_nums`, the forward process of
 * img2img, and the checks on `step`'s arguments. A subclass holds its solver's state and math: `step`
 * (starting with `startStep`, ending with `finishStep`), `resetSolverState`, `scaleModelInput`, `noiseDrawnAt`.
 */
export abstract class MultistepScheduler extends SchedulerBase implements Scheduler {
  /** Model calls per step: 1 (a multistep solver reuses earlier outputs instead). */
  readonly order = 1;
  readonly initNoiseSigma = 1;

  protected plan: Int32Array;
  protected sigmaTable: Float32Array;
  protected stepIndexValue: number | null = null;
  protected beginIndexValue: number | null = null;
  protected lowerOrderCount = 0;
  private readonly family: MultistepFamily;

  /** `parsed`: the config as the subclass parsed and rewrote it; `family`: whose `set_timesteps` to follow. */
  protected constructor(parsed: ParsedSchedulerConfig, family: MultistepFamily) {
    super(parsed, 'finite-sigma');
    this.family = family;
    const n = this.config.numTrainTimesteps;
    // Before setTimesteps, diffusers' timesteps are N−1 … 0 and its sigmas the training sigmas.
    this.plan = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
    this.sigmaTable = trainingSigmas(this.alphasCumprod);
  }

  /** The inference timesteps, one per step, descending (N−1 … 0 until `setTimesteps`). Do not modify. */
  get timesteps(): Int32Array {
    return this.plan;
  }

  /**
   * σ at each timestep plus the final σ (timesteps.length + 1 values: 0, or σ_min with final_sigmas_type
   * 'sigma_min'); the N training sigmas before setTimesteps. Do not modify.
   */
  get sigmas(): Float32Array {
    return this.sigmaTable;
  }

  /** diffusers' `step_index`: the index the next `step` uses; null until the first step after setTimesteps. */
  get stepIndex(): number | null {
    return this.stepIndexValue;
  }

  /** diffusers' `begin_index`: set by `setBeginIndex`, cleared by setTimesteps; null when not set. */
  get beginIndex(): number | null {
    return this.beginIndexValue;
  }

  /** Steps run since setTimesteps, saturating at solver_order (diffusers' `lower_order_nums`). */
  get lowerOrderNums(): number {
    return this.lowerOrderCount;
  }

  /**
   * diffusers' `set_timesteps` (multistepSchedule, with the subclass's family): plans the timesteps and σ,
   * and clears the step index, the begin index, `lower_order_nums` and the solver's state. Throws ConfigError
   * unless 1 ≤ steps ≤ num_train_timesteps. With `lambda_min_clipped` (DPM-Solver) and trailing spacing the
   * plan can hold fewer than `steps` timesteps.
   */
  protected planTimesteps(steps: number): void {
    const { timesteps, sigmas } = multistepSchedule(this.config, this.alphasCumprod, steps, { family: this.family });
    this.plan = timesteps;
    this.sigmaTable = sigmas;
    this.inferenceSteps = timesteps.length;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
    this.lowerOrderCount = 0;
    this.resetSolverState();
  }

  /** diffusers' `set_begin_index`: the first `step` runs at this index (img2img). Call it after setTimesteps. */
  setBeginIndex(index: number): void {
    this.beginIndexValue = checkBeginIndex(index, this.plan.length);
  }

  /**
   * diffusers' `index_for_timestep`: the index of t in the timesteps; the second occurrence when t repeats
   * (so an img2img start does not skip a σ), and the last index when t is not planned at all.
   */
  indexForTimestep(timestep: number): number {
    const index = timestepIndexOf(this.plan, timestep);
    return index < 0 ? this.plan.length - 1 : index;
  }

  abstract scaleModelInput(sample: Float32Array, timestep: number, out?: Float32Array): Float32Array;
  abstract noiseDrawnAt(timestep: number, options?: NoiseOptions): boolean;
  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options?: StepOptions): StepOutput;

  /**
   * x_t = α_t·x0 + σ_t·noise at the σ of the timestep's index (diffusers' `add_noise`; α_t = 1/√(σ²+1),
   * σ_t = σ·α_t): the begin index when set (the step index once stepping started), else `indexForTimestep`
   * of each timestep. One timestep, or one per batch item.
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
      const index =
        this.beginIndexValue === null ? this.indexForTimestep(ts[b]!) : (this.stepIndexValue ?? this.beginIndexValue);
      this.addNoiseItem(original, noise, out, b * per, (b + 1) * per, this.sigmaTable[index]!);
    }
    return out;
  }

  /**
   * One batch item of addNoise, elements [from, to) at σ: each operation rounded to float32 as torch does,
   * which gives diffusers' `add_noise` bit for bit.
   */
  protected addNoiseItem(
    original: Float32Array,
    noise: Float32Array,
    out: Float32Array,
    from: number,
    to: number,
    sigma: number,
  ): void {
    const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
    const sigmaT = f32(sigma * alpha);
    for (let i = from; i < to; i++) out[i] = f32(alpha * original[i]!) + f32(sigmaT * noise[i]!);
  }

  /** Clears the subclass's solver state (model-output history, orders used); called by setTimesteps. */
  protected abstract resetSolverState(): void;

  /**
   * The start of every `step`: requires setTimesteps, checks the arguments (checkStepArguments), sets the
   * step index on the first step (the begin index, else `indexForTimestep`) and checks that a timestep is
   * left. Throws before any state changes except that first step index.
   */
  protected startStep(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options: StepOptions,
    modelChannelsFactor: 1 | 2,
    noiseNeeded: boolean,
  ): MultistepStepStart {
    if (this.inferenceSteps === null) {
      throw new Error(`${this.className}.step needs setTimesteps(steps) first`);
    }
    const { batchSize, out, noise } = checkStepArguments(modelOutput, sample, options, modelChannelsFactor, noiseNeeded);
    if (this.stepIndexValue === null) this.stepIndexValue = this.beginIndexValue ?? this.indexForTimestep(timestep);
    const index = this.stepIndexValue;
    if (index >= this.plan.length) {
      throw new RangeError(
        `${this.className}: step ${index} is past the last of ${this.plan.length} timesteps (diffusers fails here too)`,
      );
    }
    return { index, batchSize, out, noise };
  }

  /** The end of every `step` at `index`: counts it in `lower_order_nums` (up to solver_order) and moves on. */
  protected finishStep(index: number): void {
    if (this.lowerOrderCount < this.config.solverOrder) this.lowerOrderCount++;
    this.stepIndexValue = index + 1;
  }
}
