import type { Denoiser, DenoiserSpec, ModelCall } from './denoiser.js';
import { InputError } from './input-error.js';

export interface GuidanceOptions {
  /** diffusers' guidance_scale (w): ε = ε_uncond + w·(ε_cond − ε_uncond). */
  readonly guidanceScale: number;
  /**
   * diffusers' guidance_rescale φ (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed",
   * eq. 15–16): ε ← φ·ε·(std(ε_cond)/std(ε)) + (1 − φ)·ε, stds per image. 0 (the default) leaves ε as is.
   */
  readonly guidanceRescale?: number;
}

/**
 * Classifier-free guidance as a Denoiser (Ho & Salimans 2022), as StableDiffusionPipeline does it: the wrapped model
 * is conditioned on 2B rows, [unconditional (negative prompt) × B, conditional (prompt) × B]; each call runs it once
 * on [x, x] and combines the halves. The loop and the schedulers see an ordinary B-image denoiser.
 * The combination is in float32 step by step, as torch computes it.
 */
export class ClassifierFreeGuidance implements Denoiser {
  readonly spec: DenoiserSpec;
  private doubled = new Float32Array(0);
  private output = new Float32Array(0);
  private readonly scale: number;
  private readonly rescale: number;

  constructor(
    private readonly conditioned: Denoiser,
    options: GuidanceOptions,
  ) {
    const { guidanceScale, guidanceRescale = 0 } = options;
    if (!Number.isFinite(guidanceScale)) throw new InputError('guidanceScale', guidanceScale, 'a finite number', `guidanceScale must be a finite number, got ${guidanceScale}`);
    if (!(guidanceRescale >= 0 && guidanceRescale <= 1)) {
      throw new InputError('guidanceRescale', guidanceRescale, 'a number in [0, 1]', `guidanceRescale must be in [0, 1], got ${guidanceRescale}`);
    }
    const spec = conditioned.spec;
    if (spec.outputChannels !== spec.channels) {
      throw new RangeError(`classifier-free guidance needs a model whose output has the sample's ${spec.channels} channels, not ${spec.outputChannels}`);
    }
    if (spec.fixedBatchSize !== undefined && spec.fixedBatchSize % 2 !== 0) {
      throw new RangeError(`classifier-free guidance runs the model on [uncond, cond]: its batch ${spec.fixedBatchSize} must be even`);
    }
    this.spec = { ...spec, fixedBatchSize: spec.fixedBatchSize === undefined ? undefined : spec.fixedBatchSize / 2 };
    this.scale = Math.fround(guidanceScale);
    this.rescale = guidanceRescale;
  }

  async predict(sample: Float32Array, timestep: number, call?: ModelCall): Promise<Float32Array> {
    const n = sample.length;
    if (this.doubled.length !== 2 * n) {
      this.doubled = new Float32Array(2 * n);
      this.output = new Float32Array(n);
    }
    this.doubled.set(sample, 0);
    this.doubled.set(sample, n);
    const both = await this.conditioned.predict(this.doubled, timestep, call);
    const out = this.output;
    const w = this.scale;
    for (let i = 0; i < n; i++) {
      const uncond = both[i]!;
      out[i] = Math.fround(uncond + Math.fround(w * Math.fround(both[n + i]! - uncond)));
    }
    if (this.rescale > 0) this.rescaleInPlace(out, both.subarray(n, 2 * n));
    return out;
  }

  /** diffusers' rescale_noise_cfg, per image: std over all of an image's elements, unbiased (torch.std). */
  private rescaleInPlace(guided: Float32Array, cond: Float32Array): void {
    const perImage = this.spec.channels * this.spec.height * this.spec.width;
    const phi = Math.fround(this.rescale);
    const keep = Math.fround(1 - this.rescale);
    for (let start = 0; start < guided.length; start += perImage) {
      const end = start + perImage;
      const ratio = Math.fround(Math.fround(standardDeviation(cond, start, end)) / Math.fround(standardDeviation(guided, start, end)));
      for (let i = start; i < end; i++) {
        const g = guided[i]!;
        guided[i] = Math.fround(Math.fround(phi * Math.fround(g * ratio)) + Math.fround(keep * g));
      }
    }
  }
}

function standardDeviation(values: Float32Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i]!;
  const mean = sum / (end - start);
  let squares = 0;
  for (let i = start; i < end; i++) squares += (values[i]! - mean) ** 2;
  return Math.sqrt(squares / (end - start - 1));
}
