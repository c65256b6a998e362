import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readWeightBytes } from '../src/read-weight-bytes.js';
import { readTorchBin } from '../src/torch-bin.js';
import { TINY_UNET_FIXTURE, TORCH_BIN_FIXTURES } from './torch-bin-fixtures.js';

interface SafetensorsTensor {
  readonly dtype: string;
  readonly shape: number[];
  readonly bytes: Uint8Array;
}

/** The reference side, parsed here by hand (u64 LE header length, JSON header, data) rather than by src/. */
async function readSafetensorsByHand(path: string): Promise<Map<string, SafetensorsTensor>> {
  const file = new Uint8Array(await readFile(path));
  const headerLength = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const data = file.subarray(8 + headerLength);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    tensors.set(name, { dtype, shape, bytes: data.subarray(begin, end) });
  }
  return tensors;
}

describe('readTorchBin: torch.save of the tiny UNet matches its safetensors', () => {
  const cases = [
    ['diffusion_pytorch_model.bin', 'diffusion_pytorch_model.safetensors', 'F32'],
    ['diffusion_pytorch_model.fp16.bin', 'diffusion_pytorch_model.fp16.safetensors', 'F16'],
  ] as const;

  it.each(cases)('%s: every tensor, byte for byte, as a range of the file', async (bin, safetensors, dtype) => {
    const path = `${TORCH_BIN_FIXTURES}ddpm-cifar10-32-tiny/${bin}`;
    const weights = await readTorchBin(path);
    const expected = await readSafetensorsByHand(TINY_UNET_FIXTURE + safetensors);

    expect(weights.format).toBe('torch-bin');
    expect(weights.path).toBe(path);
    expect(weights.sizeBytes).toBe((await stat(path)).size);
    expect([...weights.tensors.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(weights.tensors.size).toBe(328);
    for (const [name, tensor] of weights.tensors) {
      const reference = expected.get(name)!;
      expect(tensor.name).toBe(name);
      expect(tensor.dtype, name).toBe(dtype);
      expect(tensor.dtype, name).toBe(reference.dtype);
      expect(tensor.shape, name).toEqual(reference.shape);
      // torch.save keeps each contiguous tensor in its own stored entry: nothing needs copying.
      expect(tensor.source.kind, name).toBe('file-range');
      expect(Buffer.from(await readWeightBytes(weights, tensor)).equals(reference.bytes), name).toBe(true);
    }
  });

  it('keeps the state_dict order of the pickle', async () => {
    const weights = await readTorchBin(`${TORCH_BIN_FIXTURES}ddpm-cifar10-32-tiny/diffusion_pytorch_model.bin`);
    const expected = await readSafetensorsByHand(`${TINY_UNET_FIXTURE}diffusion_pytorch_model.safetensors`);
    // make.py saved the tensors in the safetensors header's order.
    expect([...weights.tensors.keys()]).toEqual([...expected.keys()]);
  });
});
