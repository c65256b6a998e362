// readGoldenManifest's errors name the file, the full key path, the value and what is allowed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@denoise/schedule';
import { readGoldenManifest } from '../src/golden-manifest.js';
import { BASE_CASE, tempDir } from './temp-goldens.js';

const SHA = 'a'.repeat(64);
const GOLDEN = { modelSha256: SHA, onnxruntime: '1.30.0', cpu: 'x', threads: 1, floatSha256: SHA };

async function manifestFile(json: unknown): Promise<string> {
  const path = join(tempDir(), 'manifest.json');
  await writeFile(path, JSON.stringify(json));
  return path;
}

describe('readGoldenManifest errors', () => {
  it.each([
    ['a nested key three levels down', { version: 1, cases: [BASE_CASE, { ...BASE_CASE, name: 'b', golden: { ...GOLDEN, threads: 0 } }] }, 'invalid cases[1].golden.threads: got 0; allowed: an integer ≥ 1'],
    ['an unknown runtime key', { version: 1, runtime: { threads: 1, intraOp: 2 }, cases: [BASE_CASE] }, 'invalid runtime.intraOp: got 2; allowed: no such key; known: executionProvider, threads'],
    ['a class label that is not an index', { version: 1, cases: [{ ...BASE_CASE, classLabels: [1, -2] }] }, 'invalid cases[0].classLabels[1]: got -2; allowed: an integer ≥ 0'],
    ['a case that is not an object', { version: 1, cases: [7] }, 'invalid cases[0]: got 7; allowed: a JSON object'],
    ['a manifest that is an array', [], 'invalid manifest: got an array of length 0; allowed: a JSON object'],
    ['a missing model', { version: 1, cases: [{ ...BASE_CASE, model: undefined }] }, 'invalid cases[0].model: got undefined; allowed: a non-empty string'],
  ])('%s', async (_what, json, message) => {
    const path = await manifestFile(json);
    const error = await readGoldenManifest(path).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(`${path}: ${message}`);
    expect(error?.cause).toBeInstanceOf(ConfigError);
  });

  it('a file that is not JSON names the file', async () => {
    const path = join(tempDir(), 'manifest.json');
    await writeFile(path, '{"version": 1,');
    await expect(readGoldenManifest(path)).rejects.toThrow(path);
  });
});
