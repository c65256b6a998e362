import type { WeightDtype } from './weights-file.js';

/**
 * The legacy storage classes torch.save names in a storage's persistent id, and the element type each
 * holds (torch/storage.py, `_dtype_to_storage_type_map`). Those torch has but denoise does not read
 * (complex, quantized) are left out.
 */
export const TORCH_STORAGE_DTYPES: Readonly<Record<string, WeightDtype>> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};
