import { describe, expect, it } from 'vitest';
import { readWeightBytes } from '../src/read-weight-bytes.js';
import { readTorchBin } from '../src/torch-bin.js';
import { WeightsFileError } from '../src/weights-file.js';
import { TINY_UNET_FIXTURE, TORCH_BIN_FIXTURES } from './torch-bin-fixtures.js';

const bad = (file: string): string => `${TORCH_BIN_FIXTURES}bad/${file}`;

async function reason(path: string): Promise<string> {
  const error = await readTorchBin(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WeightsFileError);
  expect((error as WeightsFileError).path).toBe(path);
  return (error as WeightsFileError).reason;
}

describe('readTorchBin: files it cannot use, each with a precise reason', () => {
  it('refuses a truncated download: the zip end record is gone', async () => {
    for (const file of ['truncated.bin', 'truncated-end.bin']) {
      expect(await reason(bad(file)), file).toBe('has no zip end-of-central-directory record: it is truncated, or not a zip archive');
    }
  });

  it('reads the pre-1.6 (legacy) format that used to be refused here: torch.save(OrderedDict(weight=torch.ones(3)))', async () => {
    const file = await readTorchBin(bad('legacy.bin'));
    const weight = file.tensors.get('weight')!;
    expect([...file.tensors.keys()]).toEqual(['weight']);
    expect(weight).toMatchObject({ dtype: 'F32', shape: [3] });
    expect([...new Float32Array((await readWeightBytes(file, weight)).slice().buffer)]).toEqual([1, 1, 1]);
  });

  it('refuses what is not a zip at all, showing how it starts', async () => {
    expect(await reason(bad('not-a-zip.bin'))).toBe(
      "is not a PyTorch checkpoint: it starts with 'version ', neither the zip signature 'PK\\x03\\x04' nor a pickle (torch's legacy format)",
    );
    expect(await reason(`${TINY_UNET_FIXTURE}diffusion_pytorch_model.safetensors`)).toMatch(/^is not a PyTorch checkpoint/);
  });

  it('refuses a big-endian archive', async () => {
    expect(await reason(bad('byteorder-big.bin'))).toMatch(/^was written on a big-endian machine \('views\/byteorder' says 'big'\)/);
  });

  it('refuses a storage type it does not read, listing those it does', async () => {
    expect(await reason(bad('complex-storage.bin'))).toMatch(
      /stores a tensor as torch\.ComplexFloatStorage \(byte \d+\), a storage type denoise does not read; supported: DoubleStorage, FloatStorage, HalfStorage/,
    );
  });

  it('checks every view against its storage entry', async () => {
    expect(await reason(bad('missing-storage.bin'))).toBe("tensor 'weight': its storage 'archive/data/7' is not in the archive");
    expect(await reason(bad('storage-size-mismatch.bin'))).toBe(
      "tensor 'weight': storage 'archive/data/0' holds 48 bytes, but 16 F32 elements need 64",
    );
    expect(await reason(bad('view-outside-storage.bin'))).toBe(
      "tensor 'weight': shape [3, 3] with stride [3, 1] from offset 4 reaches element 12, past the storage's 12",
    );
    expect(await reason(bad('negative-size.bin'))).toBe("archive/data.pkl: 'weight': size[0] is the number -1, not a non-negative integer");
    expect(await reason(bad('huge-expand.bin'))).toBe(
      "tensor 'weight' is a strided view of 4398046511104 bytes, more than denoise copies (2147483648); save it contiguous (tensor.contiguous())",
    );
  });

  it('accepts only a flat dict of str → tensor, naming what it found instead', async () => {
    expect(await reason(bad('top-level-list.bin'))).toBe('archive/data.pkl: holds a list, not a state_dict (a dict of parameter name → tensor)');
    expect(await reason(bad('nested-checkpoint.bin'))).toMatch(/^archive\/data\.pkl: 'state_dict' is a dict, not a tensor; .*must be unpacked first\)$/);
    expect(await reason(bad('non-string-key.bin'))).toBe('archive/data.pkl: a state_dict key is the number 7, not a parameter name');
  });

  it('reports a missing file as the file system does', async () => {
    await expect(readTorchBin(bad('no-such-file.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
