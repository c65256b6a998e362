// A weights file replaced (renamed over) or rewritten while a load reads it is caught: the provenance sha256 must
// describe the bytes that ran. loadModel and loadPipeline take fileIdentities before they read anything and call
// assertFilesUnchanged after the hash.
import { mkdtempSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/model-errors.js';
import { assertFilesUnchanged, fileIdentities } from '../src/model-files.js';

function folder(): { config: string; weights: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'denoise-identities-'));
  const config = join(dir, 'config.json');
  const weights = join(dir, 'weights.safetensors');
  writeFileSync(config, '{}');
  writeFileSync(weights, 'AAAA');
  return { config, weights, dir };
}

describe('fileIdentities / assertFilesUnchanged', () => {
  it('pass when nothing changed, reading no bytes', async () => {
    const { config, weights } = folder();
    const before = await fileIdentities([config, weights]);
    await expect(assertFilesUnchanged([config, weights], before)).resolves.toBeUndefined();
  });

  it('refuse a file renamed over the path, even with the same bytes and times', async () => {
    const { config, weights, dir } = folder();
    const before = await fileIdentities([config, weights]);
    const swapped = join(dir, 'new.safetensors');
    writeFileSync(swapped, 'AAAA');
    renameSync(swapped, weights);
    const error = await assertFilesUnchanged([config, weights], before).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toBe(`${weights}: the file was replaced or rewritten while it was loaded; run again once it is settled`);
  });

  it('refuse a file rewritten in place to the same size, and a file removed', async () => {
    const { config, weights } = folder();
    const before = await fileIdentities([config, weights]);
    writeFileSync(weights, 'BBBB');
    utimesSync(weights, new Date(), new Date(Date.now() + 5_000)); // a new mtime even on a coarse clock
    await expect(assertFilesUnchanged([config, weights], before)).rejects.toThrow(`${weights}: the file was replaced`);
    const { config: c2, weights: w2 } = folder();
    const before2 = await fileIdentities([c2, w2]);
    renameSync(w2, `${w2}.moved`);
    await expect(assertFilesUnchanged([c2, w2], before2)).rejects.toThrow(`${w2}: the file was replaced`);
  });
});
