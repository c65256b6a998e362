/**
 * Which weights files buildFidInceptionModel takes: pytorch-fid's state_dict (566 entries, the reference's
 * weights-layout.json), with or without each BatchNorm's num_batches_tracked and the unused fc (a converter's
 * plain dict); anything else is refused naming the file and each missing, unexpected or mis-shaped entry.
 */
import { readFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointMismatchError } from '../src/checkpoint-weights.js';
import { buildFidInceptionModel } from '../src/fid-inception-model.js';
import { fidInceptionStateDict, type FidInceptionStateDictEntry } from '../src/fid-inception-graph.js';
import { elementCount } from '../src/weights-file.js';
import { TORCH_BIN_FIXTURES } from './torch-bin-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'denoise-fid-layout-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A safetensors file of `entries` whose data is all zeros (a sparse file: the sizes are real, the disk use is not). */
function zeroSafetensors(name: string, entries: readonly FidInceptionStateDictEntry[]): string {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const { name: key, dtype, shape } of entries) {
    const bytes = elementCount(shape) * (dtype === 'F32' ? 4 : 8);
    header[key] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const text = JSON.stringify(header);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  const path = join(scratch, name);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(text)]));
  truncateSync(path, 8 + text.length + offset);
  return path;
}

async function refusal(path: string): Promise<CheckpointMismatchError> {
  const error = await buildFidInceptionModel(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointMismatchError);
  return error as CheckpointMismatchError;
}

describe('FID Inception weights layout', () => {
  it('asks for the 566 entries of the reference layout, in its order, with its dtypes and shapes', () => {
    const layout = JSON.parse(readFileSync(join(FIXTURES, 'fid-inception', 'weights-layout.json'), 'utf8')) as {
      readonly tensors: readonly { key: string; dtype: string; shape: number[] }[];
    };
    const dtypes: Record<string, string> = { float32: 'F32', int64: 'I64' };
    expect(fidInceptionStateDict()).toEqual(layout.tensors.map((t) => ({ name: t.key, dtype: dtypes[t.dtype], shape: t.shape })));
  });

  it('accepts a plain dict without num_batches_tracked and fc, as pytorch-fid does a converter’s file', async () => {
    const plain = fidInceptionStateDict().filter((e) => e.dtype === 'F32' && !e.name.startsWith('fc.'));
    expect(plain).toHaveLength(470);
    const model = await buildFidInceptionModel(zeroSafetensors('plain.safetensors', plain));
    expect(model.externalDataFolder).toBe(realpathSync(scratch));
  });

  it('refuses the sample files (Conv2d_1a_3x3 only), naming the file and the missing weights', async () => {
    for (const sample of ['sample-zip.pth', 'sample-legacy.pth', 'sample-plain-dict.pth']) {
      const error = await refusal(join(TORCH_BIN_FIXTURES, 'fid-inception', sample));
      expect(error.message).toContain(`${sample}: the weights do not fit pytorch-fid's FID Inception-v3`);
      expect(error.message).toContain("missing weight 'Conv2d_2a_3x3.conv.weight' (expected shape [32, 32, 3, 3])");
      expect(error.message).toMatch(/… and 453 more \(in all: 465 missing\)$/);
    }
  });

  it('refuses a mis-shaped or unexpected entry, even among the unused ones', async () => {
    const entries = fidInceptionStateDict().map((e) => (e.name === 'fc.bias' ? { ...e, shape: [1000] } : e));
    const error = await refusal(zeroSafetensors('odd.safetensors', [...entries, { name: 'AuxLogits.fc.weight', dtype: 'F32', shape: [1000, 768] }]));
    expect(error.problems).toEqual([
      "weight 'fc.bias' has shape [1000], expected [1008]",
      "unexpected weight 'AuxLogits.fc.weight': no part of this config uses it",
    ]);
  });

  it('refuses a UNet’s weights, listing what is missing and what is unexpected', async () => {
    const error = await refusal(join(FIXTURES, 'diffusers-unet', 'ddpm-cifar10-32-tiny', 'diffusion_pytorch_model.safetensors'));
    expect(error.message).toContain("missing weight 'Conv2d_1a_3x3.conv.weight' (expected shape [32, 3, 3, 3])");
    expect(error.message).toMatch(/\(in all: 470 missing, \d+ unexpected\)$/);
  });
});
