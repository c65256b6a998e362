import * as ort from 'onnxruntime-node';

/**
 * The VAE decoder's session: the pipeline's latents [B, C, h, w] → images [B, 3, h·f, w·f], unclamped (the graph
 * divides by scaling_factor, as the pipelines do before vae.decode).
 */
export class VaeDecoderSession {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly latentChannels: number,
    private readonly path: string,
  ) {}

  async decode(latents: Float32Array, batch: number, size: { readonly height: number; readonly width: number }): Promise<Float32Array> {
    const input = new ort.Tensor('float32', latents, [batch, this.latentChannels, size.height, size.width]);
    try {
      const result = await this.session.run({ latents: input }, ['sample']);
      return result['sample']!.data as Float32Array;
    } catch (error) {
      throw new Error(`${this.path}: the VAE decoder failed on ${batch} latent(s) of ${size.height}×${size.width}: ${(error as Error).message}`, { cause: error });
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The VAE encoder's session: an image [1, 3, H, W] in [-1, 1] → its latent distribution's mean and std [1, C, H/f, W/f]. */
export class VaeEncoderSession {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly path: string,
  ) {}

  async encode(image: Float32Array, size: { readonly height: number; readonly width: number }): Promise<{ mean: Float32Array; std: Float32Array }> {
    const input = new ort.Tensor('float32', image, [1, 3, size.height, size.width]);
    try {
      const result = await this.session.run({ image: input }, ['mean', 'std']);
      return { mean: result['mean']!.data as Float32Array, std: result['std']!.data as Float32Array };
    } catch (error) {
      throw new Error(`${this.path}: the VAE encoder failed on a ${size.height}×${size.width} image: ${(error as Error).message}`, { cause: error });
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
