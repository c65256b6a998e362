/**
 * Mean SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) through ssim.js, with its options pinned here so
 * that a golden threshold keeps its meaning across ssim.js defaults and image sizes.
 */
import { ssim as ssimJs, type Options } from 'ssim.js';
import { checkSameShape, type Rgba8Image } from './image-types.js';

/**
 * - `ssim: 'original'`: ssim.js's line-by-line port of the authors' ssim.m — Gaussian-weighted
 *   window (σ = 1.5), 'valid' filtering, float arithmetic. The default 'weber' uses a box window
 *   and integer sums with variances quantised to 1/1024, which is neither the paper's SSIM nor as
 *   exact on small images.
 * - `windowSize: 7`: ±3 pixels holds 99 % of a σ = 1.5 Gaussian's mass (skimage's default window is
 *   7 too). The paper's 11 leaves a 32×32 image a 22×22 map — less than half its pixels — while 7
 *   leaves 26×26. Images must be at least 7×7.
 * - `k1: 0.01, k2: 0.03, bitDepth: 8` (L = 255): the paper's constants for 8-bit images.
 * - `downsample: false`: ssim.m shrinks images whose short side exceeds 256·1.5 px; a grid and its
 *   tiles would then be measured at different scales. We always compare at native resolution.
 * - `rgb2grayVersion: 'integer'`: irrelevant in practice, because each channel is fed as a gray
 *   image (R = G = B = v), which this conversion returns exactly: (77 + 150 + 29)·v + 128 >> 8 = v.
 */
export const SSIM_OPTIONS = {
  ssim: 'original',
  windowSize: 7,
  k1: 0.01,
  k2: 0.03,
  bitDepth: 8,
  downsample: false,
  rgb2grayVersion: 'integer',
} as const satisfies Partial<Options>;

/**
 * Mean SSIM of two images of the same width, height and channel count, in (−1, 1]; 1 when identical.
 * RGB images are scored per channel and the three means averaged (as skimage's `channel_axis` and
 * torchmetrics do), so a colour shift that keeps luma still counts.
 */
export function ssim(a: Rgba8Image, b: Rgba8Image): number {
  checkSameShape(a, b, 'ssim');
  if (a.width < SSIM_OPTIONS.windowSize || a.height < SSIM_OPTIONS.windowSize) {
    throw new RangeError(
      `ssim needs images of at least ${SSIM_OPTIONS.windowSize}×${SSIM_OPTIONS.windowSize} (its window), ` +
        `got ${a.width}×${a.height}`,
    );
  }
  let total = 0;
  for (let c = 0; c < a.channels; c++) {
    total += ssimJs(channelAsImageData(a, c), channelAsImageData(b, c), SSIM_OPTIONS).mssim;
  }
  return total / a.channels;
}

/** ssim.js takes RGBA ImageData; one channel becomes an opaque gray image. */
function channelAsImageData(image: Rgba8Image, channel: number) {
  const { width, height, channels, pixels } = image;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = pixels[i * channels + channel] as number;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  return { data, width, height };
}
