import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readTorchBin } from '../src/torch-bin.js';
import { WeightsFileError } from '../src/weights-file.js';
import { readFixtureJson, TORCH_BIN_FIXTURES } from './torch-bin-fixtures.js';

/** Each file's pickle calls `global` with a command that would create `marker` (see make.py). */
const manifest = readFixtureJson<Record<string, { global: string; marker: string }>>('code/manifest.json');

describe('readTorchBin: a pickle that asks to run code is refused, and nothing runs', () => {
  it.each(Object.entries(manifest))('%s: refused naming %o', async (file, { global, marker }) => {
    const path = `${TORCH_BIN_FIXTURES}code/${file}`;
    // The payload is really there: the command that would create the marker is in the (stored) pickle.
    expect((await readFile(path)).includes(marker)).toBe(true);
    await rm(marker, { force: true });

    const read = readTorchBin(path);
    await expect(read).rejects.toBeInstanceOf(WeightsFileError);
    await expect(read).rejects.toThrow(`wants to import ${global} (byte `);
    await expect(read).rejects.toThrow(/never needs: the file wants to run code\. denoise never executes pickles/);
    expect(existsSync(marker)).toBe(false);
  });

  it('says which file and which member asked', async () => {
    const path = `${TORCH_BIN_FIXTURES}code/posix-system.bin`;
    const error = await readTorchBin(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFileError);
    expect((error as WeightsFileError).path).toBe(path);
    // torch.save names the archive folder after the file; the pickle describes a good tensor before the global.
    expect((error as WeightsFileError).reason).toMatch(/^posix-system\/data\.pkl wants to import posix\.system \(byte 180\)/);
  });
});
