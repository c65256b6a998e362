import type { Denoiser, DenoiserSpec } from './denoiser.js';

/**
 * A closed-form denoiser, eps(x, t) = scaleX·x + scaleT·t, computed in float32. With the default
 * coefficients it is the formula of the ONNX test models in fixtures/models/test (tools/denoise_tools/make_test_models),
 * so a run through onnxruntime can be checked against the same run in pure TypeScript. It also measures the
 * loop's own cost with a model that costs almost nothing. A learned-variance spec (outputChannels = 2C)
 * returns [eps, 0] per image, as the ONNX fixture does.
 */
export class AffineDenoiser implements Denoiser {
  readonly spec: DenoiserSpec;
  private output = new Float32Array(0);

  constructor(
    spec: Partial<DenoiserSpec> = {},
    readonly scaleX = 0.5,
    readonly scaleT = 0.001,
  ) {
    const channels = spec.channels ?? 1;
    this.spec = { channels, height: spec.height ?? 8, width: spec.width ?? 8, outputChannels: spec.outputChannels ?? channels };
  }

  async predict(sample: Float32Array, timestep: number): Promise<Float32Array> {
    const { channels, outputChannels, height, width } = this.spec;
    const perImage = channels * height * width;
    const batch = sample.length / perImage;
    const outPerImage = outputChannels * height * width;
    if (this.output.length !== batch * outPerImage) this.output = new Float32Array(batch * outPerImage);
    const a = Math.fround(this.scaleX);
    const bt = Math.fround(Math.fround(timestep) * Math.fround(this.scaleT));
    for (let b = 0; b < batch; b++) {
      const from = b * perImage;
      const to = b * outPerImage;
      for (let i = 0; i < perImage; i++) this.output[to + i] = Math.fround(Math.fround(sample[from + i]! * a) + bt);
    }
    return this.output;
  }
}
