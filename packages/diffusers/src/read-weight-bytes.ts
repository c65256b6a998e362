import { open } from 'node:fs/promises';
import { readFileRange } from './read-file-range.js';
import type { WeightsFile, WeightTensor } from './weights-file.js';

/**
 * The bytes of one tensor: little-endian, C order, product(shape) × dtype size of them. A 'file-range'
 * source is read from the weights file now, a 'deferred' one made now; a 'bytes' source is returned as it is (not copied).
 */
export async function readWeightBytes(file: WeightsFile, tensor: WeightTensor): Promise<Uint8Array> {
  const { source } = tensor;
  if (source.kind === 'bytes') return source.bytes;
  if (source.kind === 'deferred') return source.load();
  const path = source.file ?? file.path;
  const handle = await open(path, 'r');
  try {
    return await readFileRange(handle, path, source.offset, source.byteLength, `tensor '${tensor.name}'`);
  } finally {
    await handle.close();
  }
}
