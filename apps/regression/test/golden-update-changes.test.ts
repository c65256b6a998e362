/** `--update` writes every golden and the manifest, and reports each case as new, changed or unchanged. */
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '@denoise/image';
import { readGoldenManifest } from '../src/golden-manifest.js';
import { formatGoldenUpdate, updateGoldens } from '../src/golden-update.js';
import { BASE_CASE, tempGoldens, writeManifest } from './temp-goldens.js';

describe('updateGoldens', () => {
  it('reports new, then unchanged, then changed with the SSIM against the old golden', async () => {
    const cases = [BASE_CASE, { ...BASE_CASE, name: 'ddim-10-seed1', seed: 1, batch: 2 }];
    const { dir, manifestPath } = await tempGoldens(cases);

    const first = await updateGoldens({ manifestPath });
    expect(first.changes.map((c) => c.state)).toEqual(['new', 'new']);
    const made = await readGoldenManifest(manifestPath);
    const golden = made.cases[0]?.golden;
    expect(golden?.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(golden?.onnxruntime).toMatch(/^\d+\.\d+/);
    const png = await readPng(join(dir, 'golden', 'ddim-10-seed1.png'));
    expect([png.image.width, png.image.height]).toEqual([2 * 34 + 2, 36]);
    expect(png.text['denoise:model-sha256']).toBe(golden?.modelSha256);
    expect(formatGoldenUpdate(first, dir)).toContain('2 cases: 2 new, 0 changed, 0 unchanged.\nLook at the PNGs (git diff --stat golden) and commit golden/.');

    const manifestBytes = readFileSync(manifestPath);
    const second = await updateGoldens({ manifestPath });
    expect(second.changes.map((c) => c.state)).toEqual(['unchanged', 'unchanged']);
    expect(readFileSync(manifestPath).equals(manifestBytes)).toBe(true);
    expect(formatGoldenUpdate(second, dir)).toBe('  unchanged  ddim-10-seed0\n  unchanged  ddim-10-seed1\n2 cases: 0 new, 0 changed, 2 unchanged.');

    // Another seed under the same name, and a PNG no case names any more.
    const edited = JSON.parse(manifestBytes.toString()) as { cases: Record<string, unknown>[] };
    edited.cases[1] = { ...edited.cases[1], seed: 7 };
    await writeManifest(manifestPath, edited.cases);
    writeFileSync(join(dir, 'golden', 'retired-case.png'), readFileSync(join(dir, 'golden', 'ddim-10-seed0.png')));
    const third = await updateGoldens({ manifestPath });
    const [unchanged, changed] = third.changes;
    expect(unchanged?.state).toBe('unchanged');
    if (changed?.state !== 'changed') throw new Error(`expected changed, got ${changed?.state}`);
    expect(changed.minSsimVsOld).toBeLessThan(0.99);
    expect(changed.why).toBe('float output');
    expect(third.orphans).toEqual(['retired-case.png']);
    const text = formatGoldenUpdate(third, dir);
    expect(text).toMatch(/ {2}changed {4}ddim-10-seed1 {2}min SSIM vs old 0\.\d{6}; float output/);
    expect(text).toContain('orphan: retired-case.png belongs to no case in the manifest');
    expect((await readPng(join(dir, 'golden', 'ddim-10-seed1.png'))).text['denoise:seed']).toBe('7');
  });

  it('writes nothing when a case cannot run', async () => {
    const { dir, manifestPath } = await tempGoldens([BASE_CASE, { ...BASE_CASE, name: 'no-model', model: 'fixtures/models/does-not-exist' }]);
    const before = readFileSync(manifestPath);
    await expect(updateGoldens({ manifestPath })).rejects.toThrow(/does-not-exist/);
    expect(readFileSync(manifestPath).equals(before)).toBe(true);
    expect(() => readFileSync(join(dir, 'golden', 'ddim-10-seed0.png'))).toThrow(/ENOENT/);
  });

  it('an output it could not write is refused before any case runs: a folder or a link where a golden goes, a read-only folder', async () => {
    const { dir, manifestPath } = await tempGoldens([BASE_CASE]);
    const golden = join(dir, 'golden', 'ddim-10-seed0.png');
    const target = join(dir, 'elsewhere.png');
    writeFileSync(target, 'keep');
    const obstacles: [string, () => void, () => void][] = [
      ['is a folder', () => mkdirSync(golden), () => rmSync(golden, { recursive: true })],
      ['is a symbolic link', () => symlinkSync(target, golden), () => rmSync(golden)],
    ];
    // Root writes into a read-only folder anyway (so would the update): the check applies to other users.
    if (process.getuid?.() !== 0) obstacles.push(['the golden folder is not writable', () => chmodSync(join(dir, 'golden'), 0o555), () => chmodSync(join(dir, 'golden'), 0o755)]);
    for (const [what, make, undo] of obstacles) {
      make();
      let ran = 0;
      await expect(updateGoldens({ manifestPath, onCase: () => (ran += 1) }), what).rejects.toThrow(new RegExp(`${what}.*nothing was run`));
      expect(ran, what).toBe(0);
      undo();
    }
    expect(readFileSync(target, 'utf8')).toBe('keep');
  });
});
