/** A golden folder in a temp directory, with a manifest of the given cases on the embedded model. */
import { mkdtempSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedModelPath } from '@denoise/repo-layout';
import type { GoldenCase } from '../src/golden-manifest.js';

export const BASE_CASE = {
  name: 'ddim-10-seed0',
  // Relative model paths resolve against the manifest's folder (here a temp folder): the embedded model by its absolute path.
  model: embeddedModelPath(),
  sampler: 'ddim',
  steps: 10,
  eta: 0,
  timestepSpacing: 'leading',
  schedulerOverrides: {},
  seed: 0,
  generator: 'philox',
  batch: 4,
} as const;

export interface TempGoldens {
  readonly dir: string;
  readonly manifestPath: string;
  readonly artifactsDir: string;
}

export function tempDir(prefix = 'denoise-golden-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function tempGoldens(cases: readonly (Partial<GoldenCase> & { name: string })[] = [BASE_CASE]): Promise<TempGoldens> {
  const dir = tempDir();
  const manifestPath = join(dir, 'golden', 'manifest.json');
  await mkdir(join(dir, 'golden'));
  await writeManifest(manifestPath, cases.map((c) => ({ ...BASE_CASE, ...c })));
  return { dir, manifestPath, artifactsDir: join(dir, 'artifacts') };
}

export async function writeManifest(path: string, cases: readonly object[]): Promise<void> {
  await writeFile(path, JSON.stringify({ version: 1, runtime: { executionProvider: 'cpu', threads: 1 }, cases }, null, 2));
}
