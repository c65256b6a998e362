import { NotRegularFileError, readNpy, type NpyArray } from '@denoise/image';
import { UsageError } from './usage-error.js';

/** --noise as written: refused with exit 2 when it cannot be read or holds a non-finite value (named by index). */
export async function readNoiseFile(path: string): Promise<NpyArray> {
  let array: NpyArray;
  try {
    array = await readNpy(path);
  } catch (error) {
    if (error instanceof NotRegularFileError) throw new UsageError(`--noise ${path}: is ${error.kind}; expected a .npy file`, { cause: error });
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw new UsageError(`--noise ${path}: cannot read (${(error as NodeJS.ErrnoException).code})`, { cause: error });
  }
  // A NaN or ±Infinity in x_T would surface steps later as a "non-finite model output": name the file instead.
  const data = array.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const at = array.shape.length > 1 ? ` [${unravel(i, array.shape).join(', ')}]` : '';
      throw new UsageError(`--noise ${path}: non-finite value ${v} at element ${i}${at}; x_T must be finite`);
    }
  }
  return array;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return out;
}

/**
 * --noise as float32 [N, C, H, W] for a model that takes [N, channels, height, width]; `what` names the tensor in the
 * message (x_T, or a pipeline's initial latents).
 */
export function checkNoise(path: string, array: NpyArray, expected: { readonly channels: number; readonly height: number; readonly width: number }, what = 'the model'): Float32Array {
  const { channels, height, width } = expected;
  const [n, c, h, w] = array.shape;
  if (array.shape.length !== 4 || c !== channels || h !== height || w !== width) {
    throw new UsageError(`--noise ${path}: shape [${array.shape.join(', ')}] does not fit ${what}, which takes [N, ${channels}, ${height}, ${width}]`);
  }
  if (array.dtype !== 'float32' && array.dtype !== 'float64') {
    throw new UsageError(`--noise ${path}: dtype ${array.dtype}, expected float32 or float64`);
  }
  if (n === undefined || n < 1) throw new UsageError(`--noise ${path}: empty batch`);
  return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as Float64Array);
}

