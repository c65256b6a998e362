import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFidInceptionWeights } from '../src/index.js';

/** fixtures/models/test/<name>: the closed-form ONNX denoisers made by tools/denoise_tools/make_test_models. */
export function testModel(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/models/test/${name}`, import.meta.url));
}

/**
 * The fid-inception reference's seeded random weights (95.6 MB, written by randomFidInceptionWeights on first use
 * into a cache under the system's temp folder, shared by the test files and later runs).
 */
export function fidInceptionWeights(): Promise<string> {
  return randomFidInceptionWeights({ cacheDir: join(tmpdir(), 'denoise-test-synthetic') });
}

/** fixtures/fid-inception/NAME (made by tools/denoise_tools/make_fid_inception_fixtures). */
export function fidInceptionFixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/fid-inception/${name}`, import.meta.url));
}
