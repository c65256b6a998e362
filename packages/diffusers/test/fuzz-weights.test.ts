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

// ---- byte mutations (flip, set, truncate, insert, delete, duplicate, huge length field) ----

const HUGE = [0xffffffffn, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0x10000n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
/** Positions biased toward the start and the end of the file, where the headers are. */
const position = fc.record({
  offset: fc.oneof(fc.nat(31), fc.nat(255), fc.nat(4095), fc.nat()),
  fromEnd: fc.boolean(),
});
type Position = { offset: number; fromEnd: boolean };
const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: position, value: fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x30, 0x39, 0x2c, 0x29), fc.nat(255)) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: position, to: position, length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({
    op: fc.constant('huge' as const),
    at: position,
    width: fc.constantFrom(2, 4, 8),
    littleEndian: fc.boolean(),
    value: fc.constantFrom(...HUGE),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function place(at: Position, length: number): number {
  if (length === 0) return 0;
  const i = at.offset % length;
  return at.fromEnd ? length - 1 - i : i;
}

function mutate(base: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(base);
  for (const m of mutations) {
    const at = place(m.at, bytes.length);
    switch (m.op) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (bytes.length > 0) bytes[at] = m.value;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case 'duplicate': {
        const region = bytes.subarray(at, at + m.length);
        const to = place(m.to, bytes.length);
        bytes = Buffer.concat([bytes.subarray(0, to), region, bytes.subarray(to)]);
        break;
      }
      case 'huge': {
        const value = m.value & ((1n << BigInt(8 * m.width)) - 1n);
        if (at + m.width > bytes.length) break;
        bytes = Buffer.from(bytes);
        for (let i = 0; i < m.width; i++) {
          const shift = BigInt(8 * (m.littleEndian ? i : m.width - 1 - i));
          bytes[at + i] = Number((value >> shift) & 0xffn);
        }
        break;
      }
    }
  }
  return Buffer.from(bytes);
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

// ---- JSON structural mutations (drop / replace / add keys, wrong types, huge numbers, NaN strings, deep nesting) ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/**
 * Deep nesting, built when applied (so that a counterexample prints small): the value wrapped `depth` times.
 * At most 1500: JSON.stringify (the test's, not the parser's) overflows a vitest worker's stack near 5000.
 */
const nesting = fc.option(fc.record({ depth: fc.integer({ min: 50, max: 1500 }), kind: fc.constantFrom('array', 'object') }), { freq: 4 });
function nest(value: Json, how: { depth: number; kind: string } | null): Json {
  if (how === null) return value;
  for (let i = 0; i < how.depth; i++) value = how.kind === 'array' ? [value] : { a: value };
  return value;
}
const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 31), 1e-320, '', 'NaN', 'Infinity', '-Infinity', 'x', [], {}, [1, 2, 3], { a: 1 }),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);
const keyName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '', 'x', '_class_name', 'version', 'schema', 'name', 'dtype'), fc.string({ maxLength: 8 }));
const jsonMutation = fc.record({
  op: fc.constantFrom('drop', 'replace', 'replace', 'addKey', 'wrap', 'rename'),
  target: fc.nat(),
  key: keyName,
  value: replacement,
  nesting,
});
type JsonMutation = typeof jsonMutation extends fc.Arbitrary<infer T> ? T : never;

interface Node {
  readonly parent: Json[] | { [key: string]: Json } | undefined;
  readonly key: string | number | undefined;
  readonly value: Json;
}

function nodesOf(root: Json): Node[] {
  const nodes: Node[] = [];
  const stack: Node[] = [{ parent: undefined, key: undefined, value: root }];
  while (stack.length > 0 && nodes.length < 20_000) {
    const node = stack.pop()!;
    nodes.push(node);
    const v = node.value;
    if (Array.isArray(v)) v.forEach((child, i) => stack.push({ parent: v, key: i, value: child }));
    else if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) stack.push({ parent: v, key: k, value: child });
  }
  return nodes;
}

function setOwn(target: Json[] | { [key: string]: Json }, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies the mutations to a deep copy of `base` (the root itself may be replaced). */
function mutateJson(base: Json, mutations: readonly JsonMutation[]): Json {
  let root = structuredClone(base);
  for (const m of mutations) {
    const nodes = nodesOf(root);
    const node = nodes[m.target % nodes.length]!;
    const { parent, key } = node;
    const value = nest(structuredClone(m.value), m.nesting); // fresh: generated values may be shared between runs
    const replace = (value: Json): void => {
      if (parent === undefined) root = value;
      else setOwn(parent, key!, value);
    };
    switch (m.op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (parent !== undefined) delete parent[key as string];
        break;
      case 'replace':
        replace(value);
        break;
      case 'addKey':
        if (node.value !== null && typeof node.value === 'object' && !Array.isArray(node.value)) setOwn(node.value, m.key, value);
        else if (Array.isArray(node.value)) node.value.push(value);
        break;
      case 'wrap':
        replace(Array.isArray(node.value) ? { [m.key]: node.value } : [node.value]);
        break;
      case 'rename':
        if (parent !== undefined && !Array.isArray(parent)) {
          delete parent[key as string];
          setOwn(parent, m.key, node.value);
        }
        break;
    }
  }
  return root;
}

const jsonMutations = fc.array(jsonMutation, { minLength: 1, maxLength: 3 });

/** Awaits `read`, timing it; an error other than WeightsFileError fails the property with that error. */
async function expectTypedOutcome(read: () => Promise<WeightsFile>, input: Uint8Array): Promise<void> {
  const started = performance.now();
  let file: WeightsFile;
  try {
    file = await read();
  } catch (error) {
    if (!(error instanceof WeightsFileError)) throw error;
    expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
    return;
  }
  expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
  expect(file.sizeBytes).toBe(input.length);
  for (const tensor of file.tensors.values()) {
    const bytes = tensor.shape.reduce((a, b) => a * b, 1) * { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }[tensor.dtype];
    if (tensor.source.kind === 'file-range') {
      expect(tensor.source.byteLength).toBe(bytes);
      expect(tensor.source.offset + tensor.source.byteLength).toBeLessThanOrEqual(input.length);
    } else {
      expect(tensor.source.bytes.length).toBe(bytes);
    }
  }
}

/** fc.assert that also reports how many runs fit in the time limit (the suite's per-parser budget). */
async function fuzz<T>(label: string, property: fc.IAsyncProperty<T> | fc.IProperty<T>, params: fc.Parameters<T>): Promise<void> {
  const details = await fc.check(property as fc.IAsyncProperty<T>, params);
  console.log(`fuzz ${label}: ${details.numRuns} runs${details.interrupted ? ' (stopped at the time limit)' : ''}, seed ${String(params.seed)}`);
  if (details.failed) {
    const cause = details.errorInstance;
    throw new Error(`${fc.defaultReportMessage(details) ?? ''}
Got: ${cause instanceof Error ? `${cause.name}: ${cause.message.slice(0, 500)}` : String(cause)}`, { cause });
  }
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
    await fuzz('safetensors bytes', 
      fc.asyncProperty(fc.constantFrom(...safetensorsFiles), mutations, async (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        await expectTypedOutcome(() => readSafetensors(writeScratch(bytes, 'safetensors')), bytes);
      }),
      { seed: 0x15_0101, numRuns: 1500, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  it('structural mutations of the header JSON (length prefix kept consistent)', async () => {
    await fuzz('safetensors header JSON', 
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

describe('fuzz: readTorchBin on mutated files returns tensors inside the file or throws WeightsFileError', () => {
  it('byte mutations of the archive (headers, central directory, ZIP64 records, data)', async () => {
    await fuzz('torch-bin bytes', 
      fc.asyncProperty(fc.constantFrom(...torchFiles), mutations, async (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        await expectTypedOutcome(() => readTorchBin(writeScratch(bytes, 'bin')), bytes);
      }),
      { seed: 0x15_0201, numRuns: 1500, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  it('mutations of data.pkl inside a valid archive (CRC-32 recomputed), reaching the unpickler and the tensor views', async () => {
    await fuzz('torch-bin data.pkl', 
      fc.asyncProperty(fc.constantFrom(...torchFiles.slice(0, 1).concat(torchFiles.slice(2))), inPlace, async (file, ms) => {
        const bytes = Buffer.from(file.bytes);
        const entry = zipEntries(bytes).find((e) => e.name.endsWith('/data.pkl') && e.method === 0)!;
        const pickle = mutate(bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size), ms);
        bytes.set(pickle, entry.dataOffset);
        const crc = crc32(pickle) >>> 0;
        bytes.writeUInt32LE(crc, entry.centralCrcAt);
        bytes.writeUInt32LE(crc, entry.localCrcAt);
        await expectTypedOutcome(() => readTorchBin(writeScratch(bytes, 'bin')), bytes);
      }),
      { seed: 0x15_0202, numRuns: 2000, interruptAfterTimeLimit: 2_500 },
    );
  }, 30_000);

  const pickles = [2, 3, 4, 5].map((protocol) => ({ protocol, bytes: readFileSync(TORCH_BIN(`pickles/values-protocol-${protocol}.pkl`)) }));
  it('the restricted unpickler and state_dict reader on mutated pickles (every protocol) throw only WeightsFileError', async () => {
    await fuzz('unpickler', 
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
