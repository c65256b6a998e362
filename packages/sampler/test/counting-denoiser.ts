import { AffineDenoiser } from '../src/affine-denoiser.js';
import type { DenoiserSpec } from '../src/denoiser.js';

/** The affine denoiser, counting its calls; with `poisonCall` that call's output holds a NaN at element 3. */
export class CountingDenoiser extends AffineDenoiser {
  calls = 0;
  constructor(
    spec: Partial<DenoiserSpec> = {},
    private readonly poisonCall?: number,
  ) {
    super(spec);
  }

  override async predict(sample: Float32Array, timestep: number): Promise<Float32Array> {
    this.calls++;
    const output = await super.predict(sample, timestep);
    if (this.calls === this.poisonCall) output[3] = Number.NaN;
    return output;
  }
}
