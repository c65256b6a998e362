/**
 * PyTorch's `F.interpolate(x, size, mode='bilinear', align_corners=False)` on CPU float32, without
 * antialiasing (the resize pytorch-fid runs inside its InceptionV3), reproduced operation for operation:
 * per axis `scale = float32(in / out)`, `src = scale · (dst + 0.5) − 0.5` clamped at 0 (not rounded),
 * `i0 = floor(src)`, `i1 = min(i0 + 1, in − 1)`, `λ1 = float32(src − i0)`, `λ0 = 1 − λ1` (aten UpSampleKernel.cpp,
 * compute_indices_weights_linear); each output is `(a·λx0 + b·λx1)·λy0 + (c·λx0 + d·λx1)·λy1` with every
 * product and sum rounded to float32, the width terms first (its 2-d Interpolate recursion).
 */
import { checkOutputSize, checkPlanarImage, type PlanarImage } from './image-types.js';

interface LinearAxis {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w0: Float32Array;
  readonly w1: Float32Array;
}

function linearAxis(inSize: number, outSize: number): LinearAxis {
  const axis = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Float32Array(outSize), w1: new Float32Array(outSize) };
  // scale is float32 (in / out); the source coordinate is not rounded to float32 before λ1 is taken from it:
  // measured against torch 1.13's own weights for 8, 28, 32, 64, 217, 256, 300 → 299 (one-hot inputs).
  const scale = Math.fround(inSize / outSize);
  for (let dst = 0; dst < outSize; dst++) {
    const src = Math.max(scale * (dst + 0.5) - 0.5, 0);
    const i0 = Math.floor(src);
    const lambda1 = Math.fround(Math.min(Math.max(src - i0, 0), 1));
    axis.i0[dst] = i0;
    axis.i1[dst] = i0 < inSize - 1 ? i0 + 1 : i0;
    axis.w1[dst] = lambda1;
    axis.w0[dst] = 1 - lambda1; // stored as float32: torch's `1 - λ1` in float
  }
  return axis;
}

/** Resizes every plane of `input` to `height` × `width` as torch's bilinear interpolation does (float32). */
export function resizeBilinearTorch(input: PlanarImage, height: number, width: number): PlanarImage {
  checkPlanarImage(input, 'input');
  checkOutputSize(height, 'height');
  checkOutputSize(width, 'width');
  const { channels, height: inH, width: inW, data } = input;
  const ax = linearAxis(inW, width);
  const ay = linearAxis(inH, height);
  const out = new Float32Array(channels * height * width);
  // The width pass of one source row is the same for every output row that reads it: compute each once.
  const rows = new Float32Array(inH * width);
  const f = Math.fround;
  for (let c = 0; c < channels; c++) {
    const plane = c * inH * inW;
    for (let y = 0; y < inH; y++) {
      const src = plane + y * inW;
      const dst = y * width;
      for (let x = 0; x < width; x++) {
        rows[dst + x] = f(f((data[src + (ax.i0[x] as number)] as number) * (ax.w0[x] as number)) + f((data[src + (ax.i1[x] as number)] as number) * (ax.w1[x] as number)));
      }
    }
    const base = c * height * width;
    for (let y = 0; y < height; y++) {
      const r0 = (ay.i0[y] as number) * width;
      const r1 = (ay.i1[y] as number) * width;
      const wy0 = ay.w0[y] as number;
      const wy1 = ay.w1[y] as number;
      const dst = base + y * width;
      for (let x = 0; x < width; x++) {
        out[dst + x] = f((rows[r0 + x] as number) * wy0) + f((rows[r1 + x] as number) * wy1);
      }
    }
  }
  return { channels, height, width, data: out };
}
