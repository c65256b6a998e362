/** A golden that belongs to another model or another version of its case is stale: said so, not scored. */
import { existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPng, writePng } from '@denoise/image';
import { checkGoldenCase } from '../src/golden-check.js';
import { readGoldenManifest, type GoldenCase } from '../src/golden-manifest.js';
import { GoldenRunner, type GoldenRun } from '../src/golden-run.js';
import { updateGoldens } from '../src/golden-update.js';
import { tempGoldens, type TempGoldens } from './temp-goldens.js';

let temp: TempGoldens;
let goldenCase: GoldenCase;
let runner: GoldenRunner;
let run: GoldenRun;

beforeAll(async () => {
  temp = await tempGoldens();
  await updateGoldens({ manifestPath: temp.manifestPath });
  const manifest = await readGoldenManifest(temp.manifestPath);
  goldenCase = manifest.cases[0] as GoldenCase;
  runner = new GoldenRunner(manifest.runtime, { manifestPath: temp.manifestPath });
  run = await runner.run(goldenCase);
});
afterAll(() => runner.dispose());

const options = () => ({ goldenDir: join(temp.manifestPath, '..'), artifactsDir: temp.artifactsDir });

describe('checkGoldenCase provenance', () => {
  it('calls a golden made with another model stale and says how to regenerate, without scoring it', async () => {
    const golden = { ...goldenCase.golden!, modelSha256: 'f'.repeat(64) };
    const verdict = await checkGoldenCase({ ...goldenCase, golden }, run, options());
    expect(verdict.state).toBe('stale');
    expect(verdict.message).toContain(`made with model sha256 ffffffffffff…`);
    expect(verdict.message).toContain(`is now ${run.modelSha256.slice(0, 12)}…`);
    expect(verdict.message).toContain('`pnpm test:golden --update`');
    expect(verdict.message).not.toMatch(/SSIM/);
    expect(existsSync(temp.artifactsDir)).toBe(false);
  });

  it('says a golden PNG without provenance was not written by --update (not "sha256 undefined")', async () => {
    const path = join(options().goldenDir, `${goldenCase.name}.png`);
    const original = await readPng(path);
    await writePng(path, original.image, {});
    try {
      const verdict = await checkGoldenCase(goldenCase, run, options());
      expect(verdict.state).toBe('stale');
      expect(verdict.message).toContain('the golden PNG carries no provenance (no denoise:model-sha256 text chunk)');
      expect(verdict.message).not.toContain('undefined');
    } finally {
      await writePng(path, original.image, original.text);
    }
  });

  it('refuses a golden PNG that is a link to /dev/zero, naming it, instead of reading until memory runs out', async () => {
    const linked = { ...goldenCase, name: 'linked-to-dev-zero' };
    const path = join(options().goldenDir, `${linked.name}.png`);
    symlinkSync('/dev/zero', path);
    try {
      await expect(checkGoldenCase(linked, { ...run, caseName: linked.name }, options())).rejects.toThrow(`${path}: is a device, not a regular file`);
    } finally {
      rmSync(path);
    }
  });

  it('calls a golden stale when its manifest entry was edited after it was made', async () => {
    const edited = { ...goldenCase, steps: 12 };
    const verdict = await checkGoldenCase(edited, await runner.run(edited), options());
    expect(verdict.state).toBe('stale');
    expect(verdict.message).toContain('the manifest entry changed since its golden was made (steps 10 → 12)');
  });

  it('fails a missing golden with instructions and never creates it, in CI or not', async () => {
    const missing = { ...goldenCase, name: 'not-made-yet' };
    const before = readdirSync(options().goldenDir);
    for (const ci of ['true', undefined]) {
      const saved = process.env['CI'];
      if (ci === undefined) delete process.env['CI'];
      else process.env['CI'] = ci;
      try {
        const verdict = await checkGoldenCase(missing, { ...run, caseName: missing.name }, options());
        expect(verdict.state).toBe('missing');
        expect(verdict.message).toContain(`there is no golden ${join(options().goldenDir, 'not-made-yet.png')}`);
        expect(verdict.message).toContain('Make it with `pnpm test:golden --update`');
      } finally {
        if (saved === undefined) delete process.env['CI'];
        else process.env['CI'] = saved;
      }
    }
    expect(readdirSync(options().goldenDir)).toEqual(before);
  });
});
