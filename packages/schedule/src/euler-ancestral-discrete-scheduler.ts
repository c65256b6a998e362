import { SigmaDiscreteScheduler, sigmaPredCoefficients } from './sigma-discrete-scheduler.js';
import { checkStepArguments } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';

/**
 * Ancestral Euler sampling (k-diffusion's `sample_euler_ancestral`, after Karras et al. 2022 and Song et al.
 * 2021's reverse SDE), step for step as diffusers' `EulerAncestralDiscreteScheduler`: each step splits the move
 * from σ to σ_next into a deterministic Euler step down to σ_down and fresh noise of standard deviation σ_up,
 * with σ_down² + σ_up² = σ_next² and σ_up² = σ_next²(σ² − σ_next²)/σ². Noise is drawn at every step (at the
 * last one σ_up = 0). Prediction types: epsilon and v_prediction (diffusers has no `sample` here).
 */
export class EulerAncestralDiscreteScheduler extends SigmaDiscreteScheduler {
  readonly className = 'EulerAncestralDiscreteScheduler' as const;
  readonly order = 1;

  private constructor(config: unknown) {
    super(config, 'EulerAncestralDiscreteScheduler');
  }

  /** Builds a scheduler from a diffusers `scheduler_config.json` object as is (other classes' keys are ignored). */
  static fromConfig(config: unknown): EulerAncestralDiscreteScheduler {
    return new EulerAncestralDiscreteScheduler(config);
  }

  /** diffusers draws noise at every step, the last one included (where it is multiplied by σ_up = 0). */
  noiseDrawnAt(timestep: number, _options?: NoiseOptions): boolean {
    this.peekStepIndex(timestep);
    return true;
  }

  /**
   * One ancestral step from σ to σ_next:
   *   x0 = x − σ·ε  |  x/(σ²+1) − σ/√(σ²+1)·v
   *   σ_up = √(σ_next²(σ² − σ_next²)/σ²),  σ_down = √(σ_next² − σ_up²) = σ_next²/σ
   *   x_next = x + (σ_down − σ)·(x − x0)/σ + σ_up·z
   * Linear in (x, model output, z): coefficients once per step in float64, then three multiply-adds per element.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const index = this.currentStepIndex(timestep);
    const sigma = this.plannedSigmas[index]!;
    const sigmaNext = this.plannedSigmas[index + 1]!;
    const { out, noise } = checkStepArguments(modelOutput, sample, options, 1, true, false);
    const { px, pm } = sigmaPredCoefficients(this.config.predictionType, sigma);
    const sigmaUp = Math.sqrt(Math.max(0, (sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma)));
    const sigmaDown = (sigmaNext * sigmaNext) / sigma;
    const dt = sigmaDown - sigma;
    const kx = 1 + (dt * (1 - px)) / sigma;
    const km = (-dt * pm) / sigma;
    const kz = sigmaUp;
    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    const n = sample.length;
    const z = noise!;
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      const m = modelOutput[i]!;
      pred[i] = px * x + pm * m;
      prev[i] = kx * x + km * m + kz * z[i]!;
    }
    this.stepIndexValue = index + 1;
    return out;
  }
}
