/**
 * NCHW float tensors ⇄ 8-bit HWC pixels, bit-for-bit as diffusers does it in float32:
 *   to pixels:   DDPMPipeline `(image / 2 + 0.5).clamp(0, 1)`, then `numpy_to_pil`'s
 *                `(images * 255).round()`; numpy rounds half to even, so 127.5 → 128 but 126.5 → 126.
 *   from pixels: VaeImageProcessor `np.float32(p) / 255.0`, then `2.0 * x - 1.0`.
 */
import { checkImageBatch, checkRgba8Image, type ImageBatch, type Rgba8Image } from './image-types.js';

/** Image `index` of `batch` as 8-bit pixels. The batch must have 1 (grayscale) or 3 (RGB) channels. */
export function toPixels(batch: ImageBatch, index: number): Rgba8Image {
  const [n, c, h, w] = checkImageBatch(batch, 'batch');
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`index must be an integer in [0, ${n}), got ${index}`);
  }
  if (c !== 1 && c !== 3) {
    throw new RangeError(`toPixels supports 1 (grayscale) or 3 (RGB) channels; the batch has ${c} channels`);
  }
  const plane = h * w;
  const base = index * c * plane;
  const pixels = new Uint8Array(plane * c);
  for (let ch = 0; ch < c; ch++) {
    const offset = base + ch * plane;
    for (let i = 0; i < plane; i++) {
      const x = batch.data[offset + i] as number;
      if (Number.isNaN(x)) {
        throw new RangeError(
          `batch image ${index} has NaN at channel ${ch}, y ${Math.floor(i / w)}, x ${i % w}; cannot convert to pixels`,
        );
      }
      pixels[i * c + ch] = floatToByte(x);
    }
  }
  return { width: w, height: h, channels: c, pixels };
}

/** One image as a [1, C, H, W] batch with values p / 255 · 2 − 1 in [−1, 1]. */
export function fromPixels(image: Rgba8Image): ImageBatch {
  checkRgba8Image(image, 'image');
  const { width, height, channels, pixels } = image;
  const plane = width * height;
  const data = new Float32Array(plane * channels);
  for (let ch = 0; ch < channels; ch++) {
    for (let i = 0; i < plane; i++) {
      const p = pixels[i * channels + ch] as number;
      data[ch * plane + i] = Math.fround(2 * Math.fround(p / 255) - 1);
    }
  }
  return { data, shape: [1, channels, height, width] };
}

function floatToByte(x: number): number {
  // Each float32 operation of the reference rounded as float32 does; clamping also maps ±Infinity.
  const unit = Math.min(1, Math.max(0, Math.fround(Math.fround(x / 2) + 0.5)));
  return roundHalfToEven(Math.fround(unit * 255));
}

function roundHalfToEven(v: number): number {
  const floor = Math.floor(v);
  const frac = v - floor;
  if (frac > 0.5) return floor + 1;
  if (frac < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
