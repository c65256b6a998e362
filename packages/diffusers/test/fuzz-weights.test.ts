/**
 * Fuzz suite (issue 15): seeded mutations of the real weights files in fixtures/. The contract checked:
 * readSafetensors and readTorchBin (and the restricted unpickler under it) either return tensors whose
 * bytes lie inside the file, or throw WeightsFileError naming the file. Never another error type (a
 * RangeError from a huge allocation or an out-of-range DataView read, a TypeError from a missing field),
 * never a hang (each call is timed), never an allocation beyond the input (every declared size must fit
 * the file, which the result checks). Seeds are fixed, so a failure reproduces in CI.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { HUGE, byteMutations as mutations, expectTypedOutcomeAsync, fuzz, fuzzAsync, jsonMutations, mutate, mutateJson, position, type Json } from '@denoise/fuzz';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { unpickle } from '../src/restricted-unpickler.js';
import { readSafetensors } from '../src/safetensors.js';
import { readTorchBin } from '../src/torch-bin.js';
import { readTorchStateDict } from '../src/torch-state-dict.js';
import { WeightsFileError, type WeightsFile } from '../src/weights-file.js';
import { referenceFolder } from './fixtures.js';

const TORCH_BIN = (name: string): string => referenceFolder(`../torch-bin/${name}`);
/** The slowest a single read of a mutated file may take before we call it a hang. */
const PER_CALL_MS = 2_000;
// tmpfs where there is one: thousands of small writes, nothing kept.
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'denoise-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The checks of a read that returned: every tensor's bytes lie inside the file. */
function checkWeightsFile(file: WeightsFile, input: Uint8Array): void {
  expect(file.sizeBytes).toBe(input.length);
  for (const tensor of file.tensors.values()) {
    const bytes = tensor.shape.reduce((a, b) => a * b, 1) * { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }[tensor.dtype];
    if (tensor.source.kind === 'file-range') {
      expect(tensor.source.byteLength).toBe(bytes);
      expect(tensor.source.offset + tensor.source.byteLength).toBeLessThanOrEqual(input.length);
    } else if (tensor.source.kind === 'deferred') {
      expect(tensor.source.byteLength).toBe(bytes);
    } else {
      expect(tensor.source.bytes.length).toBe(bytes);
    }
  }
}

/** Awaits `read`, timing it; an error other than WeightsFileError fails the property with that error. */
async function expectTypedOutcome(read: () => Promise<WeightsFile>, input: Uint8Array): Promise<void> {
  await expectTypedOutcomeAsync(read, [WeightsFileError], PER_CALL_MS, (file) => checkWeightsFile(file, input));
}

let fileCounter = 0;
function writeScratch(bytes: Uint8Array, extension: string): string {
  const path = join(scratch, `case-${fileCounter++ % 4}.${extension}`);
  writeFileSync(path, bytes);
  return path;
}

// ---- safetensors ----

const safetensorsFiles = [
  'opt-learned-time-class-timestep/diffusion_pytorch_model.safetensors',
  'ddpm-cifar10-32-tiny/diffusion_pytorch_model.fp16.safetensors',
].map((name) => ({ name, bytes: readFileSync(referenceFolder(name)) }));

describe('fuzz: readSafetensors on mutated files returns tensors inside the file or throws WeightsFileError', () => {
  it('byte mutations (header length, header JSON, data)', async () => {
    await fuzzAsync('safetensors bytes', 
      fc.asyncProperty(fc.constantFrom(...safetensorsFiles), mutations, async (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        await expectTypedOutcome(() => readSafetensors(writeScratch(bytes, 'safetensors')), bytes);
      }),
      { seed: 0x15_0101, numRuns: 1500, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  it('structural mutations of the header JSON (length prefix kept consistent)', async () => {
    await fuzzAsync('safetensors header JSON', 
      fc.asyncProperty(fc.constantFrom(...safetensorsFiles), jsonMutations, async (file, ms) => {
        const length = Number(file.bytes.readBigUInt64LE(0));
        const header = JSON.parse(file.bytes.toString('utf8', 8, 8 + length)) as Json;
        const text = Buffer.from(JSON.stringify(mutateJson(header, ms)), 'utf8');
        const prefix = Buffer.alloc(8);
        prefix.writeBigUInt64LE(BigInt(text.length));
        const bytes = Buffer.concat([prefix, text, file.bytes.subarray(8 + length)]);
        await expectTypedOutcome(() => readSafetensors(writeScratch(bytes, 'safetensors')), bytes);
      }),
      { seed: 0x15_0102, numRuns: 1500, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);
});

// ---- torch .bin (zip + restricted unpickler) ----

const torchFiles = ['views/views.bin', 'views/views-deflated.bin', 'views/views-byteorder-little.bin', 'ddpm-cifar10-32-tiny/diffusion_pytorch_model.fp16.bin'].map(
  (name) => ({ name, bytes: readFileSync(TORCH_BIN(name)) }),
);

/** Where each zip entry's data and its CRC-32 fields are, so a mutated entry can be given a valid CRC. */
function zipEntries(bytes: Buffer): { name: string; dataOffset: number; size: number; centralCrcAt: number; localCrcAt: number; method: number }[] {
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  if (at === 0xffffffff || count === 0xffff) {
    const zip64 = Number(bytes.readBigUInt64LE(eocd - 20 + 8));
    count = Number(bytes.readBigUInt64LE(zip64 + 32));
    at = Number(bytes.readBigUInt64LE(zip64 + 48));
  }
  const entries = [];
  for (let i = 0; i < count; i++) {
    const nameLength = bytes.readUInt16LE(at + 28);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    const dataOffset = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    entries.push({ name, dataOffset, size: bytes.readUInt32LE(at + 20), centralCrcAt: at + 16, localCrcAt: local + 14, method: bytes.readUInt16LE(at + 10) });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

/** Same-length mutations (flip, set, huge) only, so the zip layout around the entry stays valid. */
const inPlace = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat(7) }),
    fc.record({ op: fc.constant('set' as const), at: position, value: fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x8a, 0x71, 0x68, 0x2e, 0x52, 0x63), fc.nat(255)) }),
    fc.record({ op: fc.constant('huge' as const), at: position, width: fc.constantFrom(2, 4, 8), littleEndian: fc.boolean(), value: fc.constantFrom(...HUGE) }),
  ),
  { minLength: 1, maxLength: 4 },
);

/** readTorchBin, then every deferred copy made (inflating and gathering), as a build reads them. */
async function readTorchBinWhole(path: string): Promise<WeightsFile> {
  const file = await readTorchBin(path);
  for (const tensor of file.tensors.values()) if (tensor.source.kind === 'deferred') expect((await tensor.source.load()).length).toBe(tensor.source.byteLength);
  return file;
}

describe('fuzz: readTorchBin on mutated files returns tensors inside the file or throws WeightsFileError', () => {
  it('byte mutations of the archive (headers, central directory, ZIP64 records, data)', async () => {
    await fuzzAsync('torch-bin bytes', 
      fc.asyncProperty(fc.constantFrom(...torchFiles), mutations, async (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        await expectTypedOutcome(() => readTorchBinWhole(writeScratch(bytes, 'bin')), bytes);
      }),
      { seed: 0x15_0201, numRuns: 1500, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  it('mutations of data.pkl inside a valid archive (CRC-32 recomputed), reaching the unpickler and the tensor views', async () => {
    await fuzzAsync('torch-bin data.pkl', 
      fc.asyncProperty(fc.constantFrom(...torchFiles.slice(0, 1).concat(torchFiles.slice(2))), inPlace, async (file, ms) => {
        const bytes = Buffer.from(file.bytes);
        const entry = zipEntries(bytes).find((e) => e.name.endsWith('/data.pkl') && e.method === 0)!;
        const pickle = mutate(bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size), ms);
        bytes.set(pickle, entry.dataOffset);
        const crc = crc32(pickle) >>> 0;
        bytes.writeUInt32LE(crc, entry.centralCrcAt);
        bytes.writeUInt32LE(crc, entry.localCrcAt);
        await expectTypedOutcome(() => readTorchBinWhole(writeScratch(bytes, 'bin')), bytes);
      }),
      { seed: 0x15_0202, numRuns: 2000, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  const legacyFiles = ['fid-inception/sample-legacy.pth', 'views/views-legacy.bin', 'bad/legacy.bin'].map((name) => ({ name, bytes: readFileSync(TORCH_BIN(name)) }));
  it('the legacy (pre-1.6, non-zip) format: byte mutations of its pickles, key list, element counts and storages', async () => {
    await fuzzAsync('torch-bin legacy bytes',
      fc.asyncProperty(fc.constantFrom(...legacyFiles), mutations, async (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        await expectTypedOutcome(() => readTorchBinWhole(writeScratch(bytes, 'pth')), bytes);
      }),
      { seed: 0x25_0101, numRuns: 1500, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  it('the legacy format: same-length mutations, so the storages after the pickles keep their place', async () => {
    await fuzzAsync('torch-bin legacy in place',
      fc.asyncProperty(fc.constantFrom(...legacyFiles), inPlace, async (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        await expectTypedOutcome(() => readTorchBinWhole(writeScratch(bytes, 'pth')), bytes);
      }),
      { seed: 0x25_0102, numRuns: 2000, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  const pickles = [2, 3, 4, 5].map((protocol) => ({ protocol, bytes: readFileSync(TORCH_BIN(`pickles/values-protocol-${protocol}.pkl`)) }));
  it('the restricted unpickler and state_dict reader on mutated pickles (every protocol) throw only WeightsFileError', async () => {
    fuzz('unpickler', 
      fc.property(fc.constantFrom(...pickles), mutations, (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        const started = performance.now();
        try {
          readTorchStateDict(unpickle(new Uint8Array(bytes), { path: 'fuzz.pkl', member: 'data.pkl' }), 'fuzz.pkl', 'data.pkl');
        } catch (error) {
          if (!(error instanceof WeightsFileError)) throw error;
        }
        expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
      }),
      { seed: 0x15_0203, numRuns: 4000, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);
});
