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
import { byteMutations as mutations, fuzzAsync, mutate } from '@denoise/fuzz';
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
    await fuzzAsync(
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
