import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../src/safetensors.js';
import { readWeightBytes } from '../src/read-weight-bytes.js';
import { referenceFolder, scratchDir } from './fixtures.js';

/** A safetensors file from a header object and a data length. */
function file(header: Record<string, unknown>, dataBytes: number, name = 'w.safetensors'): string {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const path = join(scratchDir(), name);
  writeFileSync(path, Buffer.concat([prefix, json, Buffer.alloc(dataBytes)]));
  return path;
}

const reference = join(referenceFolder('ddpm-cifar10-32-tiny'), 'diffusion_pytorch_model.safetensors');

describe('readSafetensors validates the header before any tensor is used', () => {
  it('reads the reference file: 328 tensors as ranges of the file, bytes as stored', async () => {
    const weights = await readSafetensors(reference);
    expect(weights.tensors.size).toBe(328);
    const convIn = weights.tensors.get('conv_in.weight')!;
    expect(convIn).toMatchObject({ dtype: 'F32', shape: [8, 3, 3, 3] });
    const bytes = await readWeightBytes(weights, convIn);
    const raw = readFileSync(reference);
    expect(convIn.source.kind).toBe('file-range');
    const { offset } = convIn.source as { offset: number };
    expect(Buffer.from(bytes).equals(raw.subarray(offset, offset + 8 * 3 * 3 * 3 * 4))).toBe(true);
  });

  it('a truncated file', async () => {
    const raw = readFileSync(reference);
    const path = join(scratchDir(), 'cut.safetensors');
    writeFileSync(path, raw.subarray(0, raw.length - 100));
    await expect(readSafetensors(path)).rejects.toThrow(/cut\.safetensors: the tensors cover \d+ bytes of data but the file holds \d+|point past the end/);
    writeFileSync(path, raw.subarray(0, 5));
    await expect(readSafetensors(path)).rejects.toThrow(/truncated safetensors file: 5 bytes/);
  });

  it('a header that points past the end of the file', async () => {
    await expect(readSafetensors(file({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8))).rejects.toThrow(
      /tensor 'a': data_offsets \[0, 16\] point past the end of the data \(8 bytes\)/,
    );
    const path = join(scratchDir(), 'long-header.safetensors');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(1000n);
    writeFileSync(path, Buffer.concat([prefix, Buffer.from('{}')]));
    await expect(readSafetensors(path)).rejects.toThrow(/the header claims 1000 bytes but the file has only 2/);
  });

  it('overlapping tensors, gaps, wrong byte lengths and unknown dtypes', async () => {
    await expect(
      readSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12)),
    ).rejects.toThrow(/tensor 'b' overlaps the tensor before it/);
    await expect(readSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12))).rejects.toThrow(/leaves a gap of 4 bytes/);
    await expect(readSafetensors(file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8))).rejects.toThrow(
      /tensor 'a': 8 bytes for a F32 tensor of shape \[3\], which needs 12/,
    );
    await expect(readSafetensors(file({ a: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2))).rejects.toThrow(
      /tensor 'a': unknown dtype "F8_E4M3"; supported: F64, F32, F16, BF16/,
    );
    await expect(readSafetensors(file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4))).rejects.toThrow(/shape \[-1\] is not a list of non-negative integers/);
  });

  it('a header that is not JSON', async () => {
    const path = join(scratchDir(), 'bad.safetensors');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(3n);
    writeFileSync(path, Buffer.concat([prefix, Buffer.from('{x}')]));
    await expect(readSafetensors(path)).rejects.toThrow(/the safetensors header is not valid JSON/);
    // Valid JSON once invalid bytes become U+FFFD: in the metadata, as the reference crate refuses it.
    const invalid = Buffer.concat([Buffer.from('{"__metadata__":{"note":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    const latin = join(scratchDir(), 'latin.safetensors');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(invalid.length));
    writeFileSync(latin, Buffer.concat([length, invalid]));
    await expect(readSafetensors(latin)).rejects.toThrow(/the safetensors header is not valid UTF-8/);
  });
});
