import { describe, expect, it } from 'vitest';
import { readWeightBytes } from '../src/read-weight-bytes.js';
import { readTorchBin } from '../src/torch-bin.js';
import type { WeightSource } from '../src/weights-file.js';
import { readFixtureJson, TORCH_BIN_FIXTURES } from './torch-bin-fixtures.js';

/** What torch says about each tensor of views.bin: its C-order bytes (hex) and how it views its storage. */
interface ViewCase {
  readonly dtype: string;
  readonly shape: number[];
  readonly contiguous: boolean;
  readonly storageOffset: number;
  readonly hex: string;
}

const manifest = readFixtureJson<Record<string, ViewCase>>('views/manifest.json');
const names = Object.keys(manifest);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fileRange = (source: WeightSource) => {
  if (source.kind !== 'file-range') throw new Error(`expected a file range, got ${source.kind}`);
  return source;
};

describe('readTorchBin: strided views, shared storages and every dtype', () => {
  it('gives each tensor its C-order bytes, as torch does, in the pickle order', async () => {
    const weights = await readTorchBin(`${TORCH_BIN_FIXTURES}views/views.bin`);
    expect([...weights.tensors.keys()]).toEqual(names);
    for (const [name, expected] of Object.entries(manifest)) {
      const tensor = weights.tensors.get(name)!;
      expect(tensor.dtype, name).toBe(expected.dtype);
      expect(tensor.shape, name).toEqual(expected.shape);
      expect(hex(await readWeightBytes(weights, tensor)), name).toBe(expected.hex);
    }
  });

  it('keeps contiguous views as file ranges and copies strided ones when read', async () => {
    const weights = await readTorchBin(`${TORCH_BIN_FIXTURES}views/views.bin`);
    for (const [name, expected] of Object.entries(manifest)) {
      expect(weights.tensors.get(name)!.source.kind, name).toBe(expected.contiguous ? 'file-range' : 'deferred');
    }
    // A size-1 dimension's stride does not matter (torch calls [6, 1] with stride (1, 6) contiguous).
    expect(manifest['unit-dim-odd-stride']!.contiguous).toBe(true);
    expect(manifest['transposed']!.contiguous).toBe(false);
  });

  it('offsets views into a shared storage by storage_offset × item size', async () => {
    const weights = await readTorchBin(`${TORCH_BIN_FIXTURES}views/views.bin`);
    const base = fileRange(weights.tensors.get('base')!.source);
    for (const name of ['row', 'unit-row', 'unit-dim-odd-stride']) {
      const source = fileRange(weights.tensors.get(name)!.source);
      expect(source.offset - base.offset, name).toBe(manifest[name]!.storageOffset * 4);
      expect(source.byteLength, name).toBe(24);
    }
    const a = fileRange(weights.tensors.get('shared-a')!.source);
    const b = fileRange(weights.tensors.get('shared-b')!.source);
    expect(b.offset - a.offset).toBe(4 * 4);
    expect([a.byteLength, b.byteLength]).toEqual([16, 24]);
  });

  it('copies every tensor of a deflated archive when read (none is inflated before), with the same bytes', async () => {
    const weights = await readTorchBin(`${TORCH_BIN_FIXTURES}views/views-deflated.bin`);
    expect([...weights.tensors.keys()]).toEqual(names);
    for (const [name, expected] of Object.entries(manifest)) {
      const tensor = weights.tensors.get(name)!;
      expect(tensor.source.kind, name).toBe('deferred');
      expect(hex(await readWeightBytes(weights, tensor)), name).toBe(expected.hex);
    }
  });

  it("reads an archive that says byteorder 'little' (torch ≥ 2.1 writes it)", async () => {
    const weights = await readTorchBin(`${TORCH_BIN_FIXTURES}views/views-byteorder-little.bin`);
    for (const [name, expected] of Object.entries(manifest)) {
      expect(hex(await readWeightBytes(weights, weights.tensors.get(name)!)), name).toBe(expected.hex);
    }
  });
});
