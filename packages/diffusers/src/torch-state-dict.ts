/**
 * Reads the unpickled data.pkl of a torch.save(state_dict) as tensor descriptions: for each name, the
 * storage it views and how (torch/_tensor.py `__reduce_ex__`, torch/_utils.py `_rebuild_tensor_v2`,
 * torch/serialization.py `persistent_id`). Pure: the storages themselves are checked by the caller.
 */
import { describePickleValue, isPickleKind, type PickleCall, type PickleValue } from './pickle-value.js';
import { TORCH_STORAGE_DTYPES } from './torch-storage-types.js';
import { WeightsFileError, type WeightDtype } from './weights-file.js';

/** A tensor as the pickle describes it: a strided view of `storageKey`, counted in elements. */
export interface TorchTensorView {
  readonly name: string;
  readonly dtype: WeightDtype;
  /** The zip entry `<archive>/data/<storageKey>`, or in the legacy format the key in the file's list of storages. */
  readonly storageKey: string;
  readonly storageNumel: number;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

const REBUILD_TENSOR = 'torch._utils._rebuild_tensor';
const REBUILD_TENSOR_V2 = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';

/** The state_dict's tensors in the pickle's order. Refuses a top level that is not a dict of str → tensor. */
export function readTorchStateDict(root: PickleValue, path: string, member: string): TorchTensorView[] {
  const fail = (reason: string): never => {
    throw new WeightsFileError(path, `${member}: ${reason}`);
  };
  if (!isPickleKind(root, 'dict')) {
    return fail(`holds ${describePickleValue(root)}, not a state_dict (a dict of parameter name → tensor)`);
  }
  const views: TorchTensorView[] = [];
  for (const [key, value] of root.entries) {
    if (typeof key !== 'string') fail(`a state_dict key is ${describePickleValue(key)}, not a parameter name`);
    views.push(readTensor(key as string, value, fail));
  }
  return views;
}

function readTensor(name: string, value: PickleValue, fail: (reason: string) => never): TorchTensorView {
  const notTensor = (): never =>
    fail(
      `'${name}' is ${describePickleValue(value)}, not a tensor; a diffusers .bin is a flat state_dict of tensors` +
        (isPickleKind(value, 'dict') ? ' (a checkpoint that nests its state_dict must be unpacked first)' : ''),
    );
  if (!isPickleKind(value, 'call')) return notTensor();
  const callee = qualifiedName(value);
  if (callee === REBUILD_PARAMETER) {
    // _rebuild_parameter(data, requires_grad, backward_hooks): an nn.Parameter around a tensor.
    const data = value.args[0];
    if (value.args.length !== 3 || !isPickleKind(data, 'call') || qualifiedName(data) === REBUILD_PARAMETER) {
      return fail(`'${name}': _rebuild_parameter does not wrap a tensor`);
    }
    return readTensor(name, data, fail);
  }
  if (callee !== REBUILD_TENSOR && callee !== REBUILD_TENSOR_V2) return notTensor();
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]);
  // _rebuild_tensor(storage, storage_offset, size, stride).
  const expected = callee === REBUILD_TENSOR ? [4] : [6, 7];
  if (!expected.includes(value.args.length)) {
    return fail(`'${name}': ${callee} takes ${expected.join(' or ')} arguments, not ${value.args.length}`);
  }
  if (value.state !== null) fail(`'${name}': the tensor carries extra Python state, which a plain state_dict tensor has not`);
  const [storage, offset, size, stride] = value.args;
  const { dtype, key, numel } = readStorage(name, storage, fail);
  const storageOffset = count(offset, `'${name}': storage offset`, fail);
  const shape = counts(size, `'${name}': size`, fail);
  const strides = counts(stride, `'${name}': stride`, fail);
  if (strides.length !== shape.length) fail(`'${name}': ${shape.length} sizes but ${strides.length} strides`);
  return { name, dtype, storageKey: key, storageNumel: numel, storageOffset, shape, stride: strides };
}

/**
 * The persistent id torch.save writes for a storage: ('storage', torch.<Type>Storage, key, location, numel) in the
 * zip format, with a sixth item, view_metadata, in the legacy format (None unless the tensor viewed a storage
 * view, which torch ≥ 1.0 no longer makes).
 */
function readStorage(name: string, storage: PickleValue | undefined, fail: (reason: string) => never) {
  const id = isPickleKind(storage, 'persistent-id') ? storage.id : undefined;
  if (!isPickleKind(id, 'tuple') || (id.items.length !== 5 && id.items.length !== 6) || id.items[0] !== 'storage') {
    return fail(`'${name}': the tensor's storage is not a ('storage', type, key, location, numel[, view_metadata]) persistent id`);
  }
  const [, type, key, location, numel, viewMetadata] = id.items;
  const dtype = isPickleKind(type, 'global') && type.module === 'torch' ? TORCH_STORAGE_DTYPES[type.name] : undefined;
  if (dtype === undefined) return fail(`'${name}': storage type ${describePickleValue(type!)} is not a torch storage class`);
  if (typeof key !== 'string' || typeof location !== 'string') return fail(`'${name}': storage key and location must be strings`);
  if (id.items.length === 6 && viewMetadata !== null) {
    return fail(
      `'${name}': its storage is a view of another storage (view_metadata ${describePickleValue(viewMetadata!)}), written by torch < 1.0, ` +
        'which denoise does not read: re-save it with a current torch, or convert it to safetensors',
    );
  }
  return { dtype, key, numel: count(numel, `'${name}': storage numel`, fail) };
}

function count(value: PickleValue | undefined, what: string, fail: (reason: string) => never): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return fail(`${what} is ${value === undefined ? 'missing' : describePickleValue(value)}, not a non-negative integer`);
  }
  return value;
}

function counts(value: PickleValue | undefined, what: string, fail: (reason: string) => never): number[] {
  if (!isPickleKind(value, 'tuple')) return fail(`${what} is ${value === undefined ? 'missing' : describePickleValue(value)}, not a tuple`);
  return value.items.map((item, i) => count(item, `${what}[${i}]`, fail));
}

function qualifiedName(call: PickleCall): string {
  return `${call.callee.module}.${call.callee.name}`;
}
