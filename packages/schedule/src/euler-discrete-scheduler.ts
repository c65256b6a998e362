import { ConfigError } from './config-error.js';
import { SigmaDiscreteScheduler, sigmaPredCoefficients } from './sigma-discrete-scheduler.js';
import { checkStepArguments } from './step-arguments.js';
import type { EulerChurn, NoiseOptions, StepOptions, StepOutput } from './step-types.js';

const f32 = Math.fround;

/** Validates the churn options and fills their defaults (s_tmin 0, s_tmax +∞, s_noise 1). */
function churnOf(churn: EulerChurn | undefined): Required<EulerChurn> | null {
  if (churn === undefined) return null;
  const { sChurn, sTmin = 0, sTmax = Infinity, sNoise = 1 } = churn;
  if (typeof sChurn !== 'number' || !Number.isFinite(sChurn) || sChurn < 0) throw new ConfigError('s_churn', sChurn, 'a finite number >= 0');
  if (typeof sTmin !== 'number' || Number.isNaN(sTmin)) throw new ConfigError('s_tmin', sTmin, 'a number');
  if (typeof sTmax !== 'number' || Number.isNaN(sTmax)) throw new ConfigError('s_tmax', sTmax, 'a number');
  if (typeof sNoise !== 'number' || !Number.isFinite(sNoise)) throw new ConfigError('s_noise', sNoise, 'a finite number');
  return { sChurn, sTmin, sTmax, sNoise };
}

/**
 * The Euler sampler of Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative
 * Models", Algorithm 2), step for step as diffusers' `EulerDiscreteScheduler`: one first-order step of the
 * probability-flow ODE dx/dσ = (x − x0)/σ per model call, over σ from the discrete training schedule
 * (optionally Karras or log-uniform sigmas), with optional stochastic churn.
 */
export class EulerDiscreteScheduler extends SigmaDiscreteScheduler {
  readonly className = 'EulerDiscreteScheduler' as const;
  readonly order = 1;

  private constructor(config: unknown) {
    super(config, 'EulerDiscreteScheduler');
  }

  /** Builds a scheduler from a diffusers `scheduler_config.json` object as is (other classes' keys are ignored). */
  static fromConfig(config: unknown): EulerDiscreteScheduler {
    return new EulerDiscreteScheduler(config);
  }

  /** γ = min(s_churn/(len(σ)−1), √2−1) where s_tmin ≤ σ ≤ s_tmax (compared in float32, as torch does), else 0. */
  private gammaAt(sigma: number, churn: Required<EulerChurn> | null): number {
    if (churn === null || !(f32(churn.sTmin) <= sigma && sigma <= f32(churn.sTmax))) return 0;
    return Math.min(churn.sChurn / (this.plannedSigmas.length - 1), Math.SQRT2 - 1);
  }

  /** Noise is drawn exactly where the churn γ is positive (s_churn > 0 and s_tmin ≤ σ ≤ s_tmax). */
  noiseDrawnAt(timestep: number, options: NoiseOptions = {}): boolean {
    const sigma = this.plannedSigmas[this.peekStepIndex(timestep)]!;
    return this.gammaAt(sigma, churnOf(options.churn)) > 0;
  }

  /**
   * One Euler step from σ to σ_next (Karras et al. Algorithm 2, lines 5–8):
   *   σ̂ = σ(γ+1);  x̂ = x + s_noise·√(σ̂²−σ²)·z  (only when γ > 0)
   *   x0 = x̂ − σ̂·ε  |  x̂/(σ²+1) − σ/√(σ²+1)·v (with σ, not σ̂, as diffusers)  |  the model output
   *   x_next = x̂ + (σ_next − σ̂)·(x̂ − x0)/σ̂
   * Everything is linear in (x, model output, z): the coefficients are computed once per step in float64.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const churn = churnOf(options.churn);
    const index = this.currentStepIndex(timestep);
    const sigma = this.plannedSigmas[index]!;
    const sigmaNext = this.plannedSigmas[index + 1]!;
    const gamma = this.gammaAt(sigma, churn);
    const sigmaHat = f32(sigma * f32(gamma + 1));
    const { out, noise } = checkStepArguments(modelOutput, sample, options, 1, gamma > 0, false);

    const predictionType = this.config.predictionType;
    const { px, pm } = sigmaPredCoefficients(predictionType, predictionType === 'epsilon' ? sigmaHat : sigma);
    const dt = sigmaNext - sigmaHat;
    // x_next = kx·x̂ + km·m with d = ((1−px)·x̂ − pm·m)/σ̂.
    const kx = 1 + (dt * (1 - px)) / sigmaHat;
    const km = (-dt * pm) / sigmaHat;
    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    const n = sample.length;
    if (noise === undefined) {
      for (let i = 0; i < n; i++) {
        const x = sample[i]!;
        const m = modelOutput[i]!;
        pred[i] = px * x + pm * m;
        prev[i] = kx * x + km * m;
      }
    } else {
      // x̂ = x + cz·z
      const cz = churn!.sNoise * Math.sqrt(sigmaHat * sigmaHat - sigma * sigma);
      for (let i = 0; i < n; i++) {
        const x = sample[i]! + cz * noise[i]!;
        const m = modelOutput[i]!;
        pred[i] = px * x + pm * m;
        prev[i] = kx * x + km * m;
      }
    }
    this.stepIndexValue = index + 1;
    return out;
  }
}
