import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, type ImageBatch } from '@denoise/image';
import type { ConfigurationResult } from './bench-result.js';

/** One configuration's finished measurement: its row, its grid, and its first batch (same x_T as the reference). */
export interface FinishedConfiguration {
  readonly configuration: ConfigurationResult;
  readonly grid: Buffer;
  readonly firstBatch: ImageBatch;
}

interface Stored {
  readonly modelSha256: string;
  readonly configuration: ConfigurationResult;
  readonly gridPng: string;
  readonly firstBatch: { readonly shape: [number, number, number, number]; readonly float32: string };
}

const fileFor = (workDir: string, name: string) => join(workDir, `${name}.json`);

/** A long `--quality fid` run keeps each finished configuration, so that a restart skips it. */
export async function saveFinished(workDir: string, name: string, modelSha256: string, finished: FinishedConfiguration): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const data = finished.firstBatch.data;
  const stored: Stored = {
    modelSha256,
    configuration: finished.configuration,
    gridPng: finished.grid.toString('base64'),
    firstBatch: {
      shape: [...finished.firstBatch.shape],
      float32: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    },
  };
  await writeFileAtomic(fileFor(workDir, name), JSON.stringify(stored));
}

export async function loadFinished(workDir: string, name: string, modelSha256: string): Promise<FinishedConfiguration | undefined> {
  const file = fileFor(workDir, name);
  if (!existsSync(file)) return undefined;
  const stored = JSON.parse(await readFile(file, 'utf8')) as Stored;
  if (stored.modelSha256 !== modelSha256) return undefined;
  const bytes = Buffer.from(stored.firstBatch.float32, 'base64');
  return {
    configuration: stored.configuration,
    grid: Buffer.from(stored.gridPng, 'base64'),
    firstBatch: { data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), shape: stored.firstBatch.shape },
  };
}
