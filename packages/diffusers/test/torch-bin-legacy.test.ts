/**
 * torch's legacy serialization (issue 25): the fid-inception samples (fixtures/torch-bin/fid-inception, see its
 * README) hold the same Conv2d_1a_3x3 tensors in the zip format, in the legacy format and as a plain dict; each
 * loads to the reference layout (key, dtype, shape, sha256 of the little-endian bytes), the legacy file equal to
 * the zip one byte for byte. The tiny UNet saved by torch in the legacy format matches its safetensors.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWeightBytes } from '../src/read-weight-bytes.js';
import { readSafetensors } from '../src/safetensors.js';
import { readTorchBin } from '../src/torch-bin.js';
import { WeightsFileError } from '../src/weights-file.js';
import { TINY_UNET_FIXTURE, TORCH_BIN_FIXTURES, readFixtureJson } from './torch-bin-fixtures.js';

const SAMPLES = `${TORCH_BIN_FIXTURES}fid-inception/`;
const layout = readFixtureJson<{ tensors: { key: string; dtype: string; shape: number[]; sha256_le: string }[] }>('fid-inception/layout-first-six.json').tensors;
const TORCH_DTYPES: Record<string, string> = { float32: 'F32', int64: 'I64' };
const scratch = mkdtempSync(join(tmpdir(), 'denoise-legacy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function tensorsOf(path: string): Promise<Map<string, { dtype: string; shape: readonly number[]; bytes: Buffer }>> {
  const file = await readTorchBin(path);
  expect(file.format).toBe('torch-bin');
  const out = new Map<string, { dtype: string; shape: readonly number[]; bytes: Buffer }>();
  for (const [name, tensor] of file.tensors) out.set(name, { dtype: tensor.dtype, shape: tensor.shape, bytes: Buffer.from(await readWeightBytes(file, tensor)) });
  return out;
}

async function reason(path: string): Promise<string> {
  const error = await readTorchBin(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WeightsFileError);
  expect((error as WeightsFileError).path).toBe(path);
  return (error as WeightsFileError).reason;
}

function writeScratch(name: string, bytes: Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readTorchBin: the fid-inception samples in both torch formats', () => {
  it.each([
    ['sample-zip.pth', 6],
    ['sample-legacy.pth', 6],
    ['sample-plain-dict.pth', 5],
  ])('%s holds the reference layout: names in order, dtypes, shapes, sha256 of the bytes', async (file, count) => {
    const tensors = await tensorsOf(SAMPLES + file);
    const expected = layout.slice(0, count).filter((entry) => count === 6 || !entry.key.endsWith('num_batches_tracked'));
    expect([...tensors.keys()]).toEqual(expected.map((entry) => entry.key));
    for (const entry of expected) {
      const tensor = tensors.get(entry.key)!;
      expect(tensor.dtype, entry.key).toBe(TORCH_DTYPES[entry.dtype]);
      expect(tensor.shape, entry.key).toEqual(entry.shape);
      expect(createHash('sha256').update(tensor.bytes).digest('hex'), entry.key).toBe(entry.sha256_le);
    }
  });

  it('the legacy file equals the zip file byte for byte, tensor by tensor, each a range of the file', async () => {
    const legacy = await readTorchBin(`${SAMPLES}sample-legacy.pth`);
    const zip = await tensorsOf(`${SAMPLES}sample-zip.pth`);
    expect([...legacy.tensors.keys()]).toEqual([...zip.keys()]);
    for (const [name, tensor] of legacy.tensors) {
      expect(tensor.source.kind, name).toBe('file-range');
      expect(Buffer.from(await readWeightBytes(legacy, tensor)).equals(zip.get(name)!.bytes), name).toBe(true);
    }
  });
});

describe('readTorchBin: the tiny UNet saved by torch in the legacy format', () => {
  it('every tensor matches the safetensors file, byte for byte', async () => {
    const path = `${TORCH_BIN_FIXTURES}legacy-ddpm-cifar10-32-tiny/diffusion_pytorch_model.bin`;
    expect(readFileSync(path).subarray(0, 2)).toEqual(Buffer.from([0x80, 0x02]));
    const weights = await readTorchBin(path);
    const reference = await readSafetensors(`${TINY_UNET_FIXTURE}diffusion_pytorch_model.safetensors`);
    expect(weights.tensors.size).toBe(328);
    expect([...weights.tensors.keys()]).toEqual([...reference.tensors.keys()]);
    for (const [name, tensor] of weights.tensors) {
      const expected = reference.tensors.get(name)!;
      expect(tensor.dtype, name).toBe(expected.dtype);
      expect(tensor.shape, name).toEqual(expected.shape);
      expect(Buffer.from(await readWeightBytes(weights, tensor)).equals(Buffer.from(await readWeightBytes(reference, expected))), name).toBe(true);
    }
  });
});

describe('readTorchBin: strided views, shared storages and every dtype in the legacy format', () => {
  it('views-legacy.bin (views.bin re-saved legacy) gives torch\'s C-order bytes; contiguous views stay file ranges, strided ones are copies', async () => {
    const manifest = readFixtureJson<Record<string, { dtype: string; shape: number[]; contiguous: boolean; hex: string }>>('views/manifest.json');
    const weights = await readTorchBin(`${TORCH_BIN_FIXTURES}views/views-legacy.bin`);
    expect([...weights.tensors.keys()]).toEqual(Object.keys(manifest));
    for (const [name, expected] of Object.entries(manifest)) {
      const tensor = weights.tensors.get(name)!;
      expect(tensor.dtype, name).toBe(expected.dtype);
      expect(tensor.shape, name).toEqual(expected.shape);
      expect(tensor.source.kind, name).toBe(expected.contiguous ? 'file-range' : 'deferred');
      expect(Buffer.from(await readWeightBytes(weights, tensor)).toString('hex'), name).toBe(expected.hex);
    }
  });
});

describe('readTorchBin: legacy pickles longer than the first read of the file', () => {
  it('reads on until the pickles end: a 3 MiB sys_info pushes the state_dict past the first 1 MiB read', async () => {
    const legacy = readFileSync(`${SAMPLES}sample-legacy.pth`);
    const sysInfoStart = 21; // after the magic-number pickle (15 bytes) and the protocol-version pickle (6)
    const sysInfoEnd = legacy.indexOf(Buffer.from([0x2e, 0x80, 0x02]), sysInfoStart) + 1;
    const unicode = (text: string): Buffer => {
      const bytes = Buffer.from(text, 'utf8');
      const head = Buffer.alloc(5);
      head.writeUInt8(0x58, 0); // BINUNICODE
      head.writeUInt32LE(bytes.length, 1);
      return Buffer.concat([head, bytes]);
    };
    // PROTO 2, EMPTY_DICT, 'pad': 'xxx…', SETITEM, STOP
    const sysInfo = Buffer.concat([Buffer.from([0x80, 0x02, 0x7d]), unicode('pad'), unicode('x'.repeat(3 * 2 ** 20)), Buffer.from([0x73, 0x2e])]);
    const padded = Buffer.concat([legacy.subarray(0, sysInfoStart), sysInfo, legacy.subarray(sysInfoEnd)]);
    const tensors = await tensorsOf(writeScratch('long-sys-info.pth', padded));
    const zip = await tensorsOf(`${SAMPLES}sample-zip.pth`);
    expect([...tensors.keys()]).toEqual([...zip.keys()]);
    for (const [name, tensor] of tensors) expect(tensor.bytes.equals(zip.get(name)!.bytes), name).toBe(true);
  });
});

describe('readTorchBin: legacy files it cannot use, each with a precise reason', () => {
  const legacy = readFileSync(`${SAMPLES}sample-legacy.pth`);
  const storagesEnd = legacy.length;

  it('refuses a file cut inside its storages or its pickles, and one with bytes after its last storage', async () => {
    expect(await reason(writeScratch('cut-storage.pth', legacy.subarray(0, storagesEnd - 10)))).toMatch(
      /^storage '\d+' declares \d+ elements \(\d+ bytes\) at byte \d+, but the file has only \d+ bytes left: it is truncated or corrupt$/,
    );
    expect(await reason(writeScratch('cut-pickle.pth', legacy.subarray(0, 600)))).toMatch(/^legacy pickle 4 \(state_dict\) .*it is truncated$/);
    expect(await reason(writeScratch('trailing.pth', Buffer.concat([legacy, Buffer.from([0])])))).toMatch(/^has 1 bytes after its last storage/);
  });

  it('refuses a storage whose element count exceeds the file before allocating it', async () => {
    const bytes = Buffer.from(legacy);
    const end = bytes.indexOf(Buffer.from([0x65, 0x2e])) + 2; // APPENDS STOP of the key list
    bytes.writeBigUInt64LE(2n ** 62n, end);
    expect(await reason(writeScratch('huge-count.pth', bytes))).toMatch(/^storage '\d+' declares 4611686018427387904 elements \(18446744073709551616 bytes\)/);
  });

  it('refuses a key list that does not match the storages the state_dict references', async () => {
    const bytes = Buffer.from(legacy);
    const end = bytes.indexOf(Buffer.from([0x65, 0x2e])) + 2;
    const last = bytes.lastIndexOf(Buffer.from('X\t\0\0\0', 'latin1'), end); // BINUNICODE of the last 9-digit key
    bytes.write('1', last + 5, 'latin1'); // a key no tensor uses
    expect(await reason(writeScratch('unknown-key.pth', bytes))).toMatch(/^legacy pickle 5 \(storage keys\) lists storage '1\d+', which no tensor of the state_dict uses$/);
  });

  it('refuses a pickle that is not torch\'s magic number, and a file that is neither zip nor pickle', async () => {
    const bytes = Buffer.from(legacy);
    bytes.writeUInt8(bytes.readUInt8(4) ^ 1, 4); // a byte of the LONG1 magic number
    expect(await reason(writeScratch('bad-magic.pth', bytes))).toMatch(/^starts with a pickle of the number \d+, not torch's magic number 0x1950a86a20f9469cfc6c/);
    expect(await reason(writeScratch('text.pth', Buffer.from('hello world')))).toBe(
      "is not a PyTorch checkpoint: it starts with 'hello wo', neither the zip signature 'PK\\x03\\x04' nor a pickle (torch's legacy format)",
    );
  });
});
