/** A picture of where two images differ, for golden-test failure artifacts. */
import { checkSameShape, type Rgba8Image } from './image-types.js';

/**
 * RGB heatmap of the per-pixel absolute difference (the largest over channels), normalised so the
 * largest difference in the pair is white and equal pixels are black, through a black → red →
 * yellow → white ramp ("hot"). Normalising makes a one-level difference visible; the magnitude is
 * what psnr() and ssim() report. Identical images give an all-black map.
 */
export function diffHeatmap(a: Rgba8Image, b: Rgba8Image): Rgba8Image {
  checkSameShape(a, b, 'diffHeatmap');
  const { width, height, channels } = a;
  const count = width * height;
  const diff = new Uint8Array(count);
  let maxDiff = 0;
  for (let i = 0; i < count; i++) {
    let d = 0;
    for (let c = 0; c < channels; c++) {
      const k = i * channels + c;
      d = Math.max(d, Math.abs((a.pixels[k] as number) - (b.pixels[k] as number)));
    }
    diff[i] = d;
    maxDiff = Math.max(maxDiff, d);
  }
  const pixels = new Uint8Array(count * 3);
  if (maxDiff === 0) return { width, height, channels: 3, pixels };
  for (let i = 0; i < count; i++) {
    const t = (diff[i] as number) / maxDiff; // (0, 1]; 0 stays black
    // hot: red rises over [0, 1/3], green over [1/3, 2/3], blue over [2/3, 1].
    pixels[i * 3] = Math.round(255 * Math.min(1, 3 * t));
    pixels[i * 3 + 1] = Math.round(255 * Math.min(1, Math.max(0, 3 * t - 1)));
    pixels[i * 3 + 2] = Math.round(255 * Math.min(1, Math.max(0, 3 * t - 2)));
  }
  return { width, height, channels: 3, pixels };
}
