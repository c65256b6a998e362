import type { UNet2DConfig } from './unet-config.js';

/**
 * A lower bound of the float32 activation memory one image needs in a UNet2DModel forward pass, from its config and
 * sample size: what must exist at one moment whatever the runtime's memory planning.
 * - Every skip connection the down path saves for the up path (conv_in's output, each resnet's output, each
 *   downsampler's output) is alive when the up path starts.
 * - At the largest attention (the highest-resolution level with attention, or the mid block), the score matrix
 *   QᵀK and its softmax, heads × N × N each (N = h·w), exist together: Softmax reads one and writes the other.
 * The real peak is higher (working tensors, the runtime's arenas); a batch whose lower bound does not fit in memory
 * cannot run, which is what a check before the first model call needs.
 */
export interface UNetMemoryBound {
  /** Bytes of the saved skip connections, per image. */
  readonly skipBytes: number;
  /** Bytes of the largest attention's scores + softmax, per image; 0 without attention. */
  readonly attentionBytes: number;
  /** (skip + attention) per image. */
  readonly perImageBytes: number;
}

export function unetMemoryLowerBound(config: UNet2DConfig, height: number, width: number): UNetMemoryBound {
  const channels = config.blockOutChannels;
  let h = height;
  let w = width;
  let skip = channels[0]! * h * w; // conv_in
  let attention = 0;
  const headsOf = (c: number) => Math.max(1, Math.floor(c / (config.attentionHeadDim ?? c)));
  config.downBlockTypes.forEach((type, level) => {
    const c = channels[level]!;
    skip += config.layersPerBlock * c * h * w;
    if (type === 'AttnDownBlock2D') attention = Math.max(attention, 2 * headsOf(c) * (h * w) ** 2);
    if (level < config.downBlockTypes.length - 1) {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
      skip += c * h * w; // the downsampler's output
    }
  });
  if (config.midBlockType !== undefined && config.addAttention) {
    attention = Math.max(attention, 2 * headsOf(channels[channels.length - 1]!) * (h * w) ** 2);
  }
  const skipBytes = 4 * skip;
  const attentionBytes = 4 * attention;
  return { skipBytes, attentionBytes, perImageBytes: skipBytes + attentionBytes };
}
