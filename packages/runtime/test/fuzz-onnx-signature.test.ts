/**
 * Fuzz suite (issue 15): seeded mutations of the real test models in fixtures/models/test. The contract
 * checked: loadModel on a mutated .onnx file (assertLooksLikeOnnx, onnxruntime's protobuf parse, then
 * readModelSignature) either returns a model whose signature is consistent, or rejects with ModelLoadError
 * naming the file. Never another error type, never a hang (each load is timed). Length fields set to huge
 * values must be refused by the parser (onnxruntime's protobuf reader checks them against the input),
 * never allocated. Seeds are fixed, so a failure reproduces in CI.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../src/load-model.js';
import { ModelLoadError } from '../src/model-errors.js';
import { testModel } from './fixtures.js';

/** The slowest a single load of a ~500-byte mutated model may take before we call it a hang. */
const PER_CALL_MS = 3_000;
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

/** fc.assert that also reports how many runs fit in the time limit (the suite's per-parser budget). */
async function fuzz<T>(label: string, property: fc.IAsyncProperty<T>, params: fc.Parameters<T>): Promise<void> {
  const details = await fc.check(property, params);
  console.log(`fuzz ${label}: ${details.numRuns} runs${details.interrupted ? ' (stopped at the time limit)' : ''}, seed ${String(params.seed)}`);
  if (details.failed) {
    const cause = details.errorInstance;
    throw new Error(`${fc.defaultReportMessage(details) ?? ''}
Got: ${cause instanceof Error ? `${cause.name}: ${cause.message.slice(0, 500)}` : String(cause)}`, { cause });
  }
}

const models = [
  ...readdirSync(testModel('.')).filter((name) => name.endsWith('.onnx')),
  'closed-form/model.onnx',
  'learned-variance/model.onnx',
  'bad/rank3-sample.onnx',
]
  .sort()
  .map((name) => ({ name, bytes: readFileSync(testModel(name)) }));

let counter = 0;
describe('fuzz: loadModel on mutated .onnx files returns a consistent model or rejects with ModelLoadError', () => {
  it('byte mutations of every test model', async () => {
    await fuzz(
      'onnx loadModel',
      fc.asyncProperty(fc.constantFrom(...models), mutations, async (file, ms) => {
        const path = join(scratch, `case-${counter++ % 4}.onnx`);
        writeFileSync(path, mutate(file.bytes, ms));
        const started = performance.now();
        let model: LoadedModel;
        try {
          model = await loadModel(path, { threads: 1 });
        } catch (error) {
          if (!(error instanceof ModelLoadError)) throw error;
          expect(error.message.startsWith(path)).toBe(true);
          expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
          return;
        }
        try {
          expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
          const { signature } = model;
          for (const size of [signature.channels, signature.height, signature.width]) expect(Number.isSafeInteger(size) && size > 0).toBe(true);
          expect([signature.channels, 2 * signature.channels]).toContain(signature.outputChannels);
        } finally {
          await model.dispose();
        }
      }),
      { seed: 0x15_0301, numRuns: 4000, interruptAfterTimeLimit: 5_000 },
    );
  }, 60_000);
});
