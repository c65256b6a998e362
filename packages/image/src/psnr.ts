/** Peak signal-to-noise ratio on 8-bit samples. */
import { checkSameShape, type Rgba8Image } from './image-types.js';

const MAX_SAMPLE = 255;

/** PSNR in dB: 10·log10(255² / MSE), the MSE over every sample of every channel; Infinity if identical. */
export function psnr(a: Rgba8Image, b: Rgba8Image): number {
  checkSameShape(a, b, 'psnr');
  let sumSquares = 0;
  for (let i = 0; i < a.pixels.length; i++) {
    const d = (a.pixels[i] as number) - (b.pixels[i] as number);
    sumSquares += d * d;
  }
  if (sumSquares === 0) return Infinity;
  return 10 * Math.log10((MAX_SAMPLE * MAX_SAMPLE) / (sumSquares / a.pixels.length));
}
