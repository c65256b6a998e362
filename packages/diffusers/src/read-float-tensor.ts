import { fromFloat16Bits } from './float16.js';
import { readWeightBytes } from './read-weight-bytes.js';
import type { WeightsFile } from './weights-file.js';

/** Tensor `name` of the weights file as float32 values (from F32, F16, BF16 or F64), C order. */
export async function readFloatTensor(file: WeightsFile, name: string): Promise<Float32Array> {
  const tensor = file.tensors.get(name);
  if (!tensor) throw new Error(`internal error: ${file.path} has no tensor '${name}'`);
  const bytes = await readWeightBytes(file, tensor);
  // Copied out: the bytes may sit at an offset of a larger buffer that is not aligned for the element type.
  const aligned = bytes.slice().buffer;
  switch (tensor.dtype) {
    case 'F32':
      return new Float32Array(aligned);
    case 'F64':
      return Float32Array.from(new Float64Array(aligned));
    case 'F16':
      return Float32Array.from(new Uint16Array(aligned), fromFloat16Bits);
    case 'BF16': {
      // bfloat16 is the high half of a float32.
      const bits = new Uint16Array(aligned);
      const out = new Uint32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = bits[i]! << 16;
      return new Float32Array(out.buffer);
    }
    default:
      throw new Error(`internal error: tensor '${name}' of ${file.path} is ${tensor.dtype}, not a float type`);
  }
}
