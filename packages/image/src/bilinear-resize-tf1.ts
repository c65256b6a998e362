/**
 * TensorFlow 1.x's `tf.image.resize_bilinear(align_corners=False)` as torch-fidelity reimplements it
 * (`interpolate_bilinear_2d_like_tensorflow1x`, its default "slow" path) in float32: per axis
 * `src = float32(dst) · float32(in / out)` with no half-pixel offset, `lo = floor(src)`,
 * `hi = min(lo + 1, in − 1)`, `d = src − lo`; then `top = x[lo, lo] + (x[lo, hi] − x[lo, lo])·dx`, the
 * same for the bottom row, and `out = top + (bottom − top)·dy`, each operation rounded to float32 as
 * torch's elementwise tensor ops are.
 */
import { checkOutputSize, checkPlanarImage, type PlanarImage } from './image-types.js';

interface Tf1Axis {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly d: Float32Array;
}

function tf1Axis(inSize: number, outSize: number): Tf1Axis {
  const axis = { lo: new Int32Array(outSize), hi: new Int32Array(outSize), d: new Float32Array(outSize) };
  const scale = Math.fround(inSize / outSize); // torch.tensor(in / out, dtype=float32)
  for (let dst = 0; dst < outSize; dst++) {
    const src = Math.fround(dst * scale);
    const lo = Math.floor(src); // `.long()` truncates; src ≥ 0
    axis.lo[dst] = lo;
    axis.hi[dst] = Math.min(lo + 1, inSize - 1);
    axis.d[dst] = src - lo; // exact: the fraction of a float32
  }
  return axis;
}

/** Resizes every plane of `input` to `height` × `width` as torch-fidelity's TF1-style bilinear does (float32). */
export function resizeBilinearTf1(input: PlanarImage, height: number, width: number): PlanarImage {
  checkPlanarImage(input, 'input');
  checkOutputSize(height, 'height');
  checkOutputSize(width, 'width');
  const { channels, height: inH, width: inW, data } = input;
  const ax = tf1Axis(inW, width);
  const ay = tf1Axis(inH, height);
  const out = new Float32Array(channels * height * width);
  // `in_0`/`in_1` of one source row are the same for every output row that reads it: compute each once.
  const rows = new Float32Array(inH * width);
  const f = Math.fround;
  for (let c = 0; c < channels; c++) {
    const plane = c * inH * inW;
    for (let y = 0; y < inH; y++) {
      const src = plane + y * inW;
      const dst = y * width;
      for (let x = 0; x < width; x++) {
        const a = data[src + (ax.lo[x] as number)] as number;
        const b = data[src + (ax.hi[x] as number)] as number;
        rows[dst + x] = a + f(f(b - a) * (ax.d[x] as number));
      }
    }
    const base = c * height * width;
    for (let y = 0; y < height; y++) {
      const r0 = (ay.lo[y] as number) * width;
      const r1 = (ay.hi[y] as number) * width;
      const dy = ay.d[y] as number;
      const dst = base + y * width;
      for (let x = 0; x < width; x++) {
        const top = rows[r0 + x] as number;
        out[dst + x] = top + f(f((rows[r1 + x] as number) - top) * dy);
      }
    }
  }
  return { channels, height, width, data: out };
}
