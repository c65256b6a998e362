/**
 * `denoise golden --manifest …` (goldenMain) on a model maintainer's goldens outside the repository: a two-case
 * manifest in a temp folder, its model beside it (a link to the embedded model) and named relative to the manifest.
 * --update makes the goldens, a check passes (0), a painted-over golden fails (1) with its strips in the
 * artifacts folder, bad usage exits 2; once through the built CLI, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readPng, writePng } from '@denoise/image';
import { embeddedModelPath } from '@denoise/repo-layout';
import { goldenMain } from '../src/golden-main.js';
import { packageDir } from '../src/repo-paths.js';
import { BASE_CASE, tempDir, writeManifest } from './temp-goldens.js';

const CASES = [
  { ...BASE_CASE, name: 'ddim-3-seed0', model: '../models/fmnist-unet', steps: 3, batch: 2 },
  { ...BASE_CASE, name: 'ddim-3-seed1', model: '../models/fmnist-unet', steps: 3, batch: 2, seed: 1 },
];

let dir: string;
let manifestPath: string;
let artifactsDir: string;

/** goldenMain's exit status and what it wrote to stdout and stderr. */
async function golden(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    const code = await goldenMain(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

beforeAll(async () => {
  dir = tempDir('denoise-golden-cli-');
  await mkdir(join(dir, 'goldens'));
  await mkdir(join(dir, 'models'));
  symlinkSync(embeddedModelPath(), join(dir, 'models', 'fmnist-unet'));
  manifestPath = join(dir, 'goldens', 'manifest.json');
  artifactsDir = join(dir, 'goldens', 'artifacts'); // the default with --manifest
  await writeManifest(manifestPath, CASES);
});
afterEach(() => vi.restoreAllMocks());

describe('denoise golden --manifest', () => {
  it('fails a case without a golden (a check never makes one), telling the user to run --update', async () => {
    const { code, stdout } = await golden('--manifest', manifestPath);
    expect(code).toBe(1);
    expect(stdout).toContain(`there is no golden ${join(dir, 'goldens', 'ddim-3-seed0.png')}`);
    expect(stdout).toMatch(/Make it with `denoise golden --manifest \S*manifest\.json --update`/);
    expect(existsSync(join(dir, 'goldens', 'ddim-3-seed0.png'))).toBe(false);
  });

  it('--update makes the goldens beside the manifest from the model named relative to it; the check then passes', async () => {
    const update = await golden('--manifest', manifestPath, '--update');
    expect(update.code).toBe(0);
    expect(update.stdout).toContain('2 cases: 2 new, 0 changed, 0 unchanged.');
    const png = await readPng(join(dir, 'goldens', 'ddim-3-seed1.png'));
    expect(png.text['denoise:model']).toBe('../models/fmnist-unet');

    const check = await golden('--manifest', manifestPath);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/\[1\/2\] pass +ddim-3-seed0 +min SSIM 1\.000000/);
    expect(check.stdout).toContain('2 cases: 2 passed, 0 failed, 0 skipped.');
    expect(check.stdout).toContain('| ddim-3-seed1 | pass   | 1.000000 |');
    expect(readFileSync(join(artifactsDir, 'summary.md'), 'utf8')).toContain('| ddim-3-seed0 | pass ');
  });

  it('passes through the built CLI, run by node as a user would', () => {
    const cli = join(packageDir(), 'dist', 'src', 'golden-main.js');
    const run = spawnSync(process.execPath, [cli, '--manifest', join('goldens', 'manifest.json')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('2 cases: 2 passed, 0 failed, 0 skipped.');
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: denoise golden [--manifest FILE] [--update] [--artifacts DIR]');
  });

  it('fails a golden painted over (exit 1), naming the artifacts folder, with golden · received · diff strips in it', async () => {
    const goldenPath = join(dir, 'goldens', 'ddim-3-seed1.png');
    const { image, text } = await readPng(goldenPath);
    const pixels = Uint8Array.from(image.pixels);
    for (let y = 8; y < 24; y++) pixels.fill(255, y * image.width + 8, y * image.width + 24); // 16×16 white inside image 0
    await writePng(goldenPath, { ...image, pixels }, text);

    const elsewhere = join(dir, 'ci-artifacts');
    const { code, stdout } = await golden('--manifest', manifestPath, '--artifacts', elsewhere);
    expect(code).toBe(1);
    expect(stdout).toMatch(/\[1\/2\] pass +ddim-3-seed0/);
    expect(stdout).toMatch(/\[2\/2\] fail +ddim-3-seed1\n +golden case 'ddim-3-seed1': 1 of 2 images below SSIM 0\.99/);
    expect(stdout).toContain('2 cases: 1 passed, 1 failed, 0 skipped.');
    expect(stdout).toContain(`Failure strips (golden · received · diff) and summary.md: ${elsewhere}`);
    const strip = await readPng(join(elsewhere, 'ddim-3-seed1.png'));
    const received = await readPng(join(elsewhere, 'ddim-3-seed1.received.png'));
    expect(strip.image.width).toBe(3 * received.image.width + 2 * 4); // golden · received · diff, 4 px apart
    expect(existsSync(join(elsewhere, 'ddim-3-seed0.png'))).toBe(false);
    expect(readFileSync(join(elsewhere, 'summary.md'), 'utf8')).toMatch(/\| ddim-3-seed1 \| fail +\|/);
  });

  it('exits 2 on bad usage: a missing manifest, an unknown option, an option without its value', async () => {
    const missing = await golden('--manifest', join(dir, 'no-such', 'manifest.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no golden manifest at ${join(dir, 'no-such', 'manifest.json')}`);
    const folder = await golden('--manifest', join(dir, 'goldens'));
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('is not a file');
    const unknown = await golden('--manifest', manifestPath, '--frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --frobnicate');
    expect((await golden('--manifest')).code).toBe(2);
  });
});
