import { psnr, ssim, toPixels, type ImageBatch } from '@denoise/image';
import type { Quality } from './bench-result.js';

/**
 * SSIM and PSNR of every image against the reference image made from the same x_T (8-bit, as written to PNG),
 * summarised as mean ± sd over the batch. PSNR is infinite for identical images: those are counted apart.
 */
export function compareWithReference(images: ImageBatch, reference: ImageBatch): Quality & { kind: 'measured' } {
  const count = images.shape[0];
  const ssims: number[] = [];
  const psnrs: number[] = [];
  let identicalImages = 0;
  for (let i = 0; i < count; i++) {
    const a = toPixels(images, i);
    const b = toPixels(reference, i);
    ssims.push(ssim(a, b));
    const p = psnr(a, b);
    if (Number.isFinite(p)) psnrs.push(p);
    else identicalImages++;
  }
  const ssimStats = meanSd(ssims);
  const psnrStats = psnrs.length > 0 ? meanSd(psnrs) : undefined;
  return {
    kind: 'measured',
    ssimMean: ssimStats.mean,
    ssimSd: ssimStats.sd,
    psnrMean: psnrStats?.mean ?? null,
    psnrSd: psnrStats?.sd ?? null,
    identicalImages,
  };
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}
