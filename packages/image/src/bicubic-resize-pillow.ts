/**
 * Pillow 9.4's BICUBIC resize of a mode "F" (float32) image, the resize clean-fid's `clean` mode runs on
 * each channel (libImaging/Resample.c, reproduced from its described behaviour): separable, the
 * horizontal pass first with its result stored as float32, then the vertical pass; an axis whose size
 * does not change is skipped (an image of the target size is returned as it is). Per output index:
 * `scale = in/out`, `fs = max(scale, 1)`, `support = 2·fs`, `center = (dst + 0.5)·scale`, taps
 * `[int(center − support + 0.5), int(center + support + 0.5))` clipped to the input, weights
 * `cubic((x − center + 0.5) · (1/fs))` (Keys, a = −0.5) normalised by their sum; weights and sums in double.
 */
import { checkOutputSize, checkPlanarImage, type PlanarImage } from './image-types.js';

/** Keys' cubic convolution kernel with a = −0.5, evaluated in Pillow's operation order. */
function bicubic(t: number): number {
  const a = -0.5;
  const x = Math.abs(t);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Per output index: the first tap, the tap count, and `taps` weights (zero beyond the count). */
interface CubicAxis {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly taps: number;
  readonly weights: Float64Array;
}

function cubicAxis(inSize: number, outSize: number): CubicAxis {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const inverse = 1 / filterScale; // Pillow multiplies by 1/fs (it does not divide by fs)
  const axis = { first: new Int32Array(outSize), count: new Int32Array(outSize), taps, weights: new Float64Array(outSize * taps) };
  for (let dst = 0; dst < outSize; dst++) {
    const center = (dst + 0.5) * scale;
    const first = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    const k = dst * taps;
    let sum = 0;
    for (let x = first; x < end; x++) {
      const w = bicubic((x - center + 0.5) * inverse);
      axis.weights[k + x - first] = w;
      sum += w;
    }
    if (sum !== 0) for (let i = 0; i < end - first; i++) axis.weights[k + i] = (axis.weights[k + i] as number) / sum;
    axis.first[dst] = first;
    axis.count[dst] = end - first;
  }
  return axis;
}

function resizeRows(input: PlanarImage, width: number): PlanarImage {
  const { channels, height, width: inW, data } = input;
  const { first, count, taps, weights } = cubicAxis(inW, width);
  const out = new Float32Array(channels * height * width);
  for (let row = 0; row < channels * height; row++) {
    const src = row * inW;
    const dst = row * width;
    for (let x = 0; x < width; x++) {
      const from = src + (first[x] as number);
      const k = x * taps;
      const n = count[x] as number;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (data[from + i] as number) * (weights[k + i] as number);
      out[dst + x] = sum;
    }
  }
  return { channels, height, width, data: out };
}

function resizeColumns(input: PlanarImage, height: number): PlanarImage {
  const { channels, height: inH, width, data } = input;
  const { first, count, taps, weights } = cubicAxis(inH, height);
  const out = new Float32Array(channels * height * width);
  const sums = new Float64Array(width);
  for (let c = 0; c < channels; c++) {
    const plane = c * inH * width;
    for (let y = 0; y < height; y++) {
      // Accumulate whole rows at a time, tap by tap: the same sum, in the same order, per output pixel.
      sums.fill(0);
      const k = y * taps;
      const n = count[y] as number;
      for (let i = 0; i < n; i++) {
        const w = weights[k + i] as number;
        const src = plane + ((first[y] as number) + i) * width;
        for (let x = 0; x < width; x++) sums[x] = (sums[x] as number) + (data[src + x] as number) * w;
      }
      out.set(sums, (c * height + y) * width);
    }
  }
  return { channels, height, width, data: out };
}

/** Resizes every plane of `input` to `height` × `width` as Pillow 9.4's mode "F" BICUBIC resize does. */
export function resizeBicubicPillow(input: PlanarImage, height: number, width: number): PlanarImage {
  checkPlanarImage(input, 'input');
  checkOutputSize(height, 'height');
  checkOutputSize(width, 'width');
  const horizontal = width === input.width ? input : resizeRows(input, width);
  const resized = height === input.height ? horizontal : resizeColumns(horizontal, height);
  return resized === input ? { ...input, data: input.data.slice() } : resized;
}
