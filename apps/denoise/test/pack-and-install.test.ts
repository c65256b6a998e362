// denoise outside its repository: the tarballs of pack:release, installed with npm into an empty folder outside the
// checkout (onnxruntime-node from the registry, its CUDA download skipped as a user without that host would), run
// the command and the README's library example there. Nothing may lead back into the checkout.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPng, writePng } from '@denoise/image';

const checkout = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'denoise-install-'));
const app = join(work, 'app');

/** Runs a command in the installed folder, with nothing of the checkout on its paths. */
function inApp(command: string, args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(command, [...args], { cwd: app, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', NODE_PATH: '' } });
}

/** The ```js example.mjs block of the denoise README. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```js example\.mjs\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('apps/denoise/README.md has no ```js example.mjs block');
  return block[1]!;
}

beforeAll(() => {
  const release = join(work, 'release');
  execFileSync(process.execPath, [join(checkout, 'scripts', 'pack-release.mjs'), '--out', release], { cwd: checkout, stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'uses-denoise', private: true, type: 'module' })}\n`);
  const tarballs = readdirSync(release).filter((f) => f.endsWith('.tgz')).map((f) => join(release, f));
  const install = inApp('npm', ['install', '--no-audit', '--no-fund', ...tarballs]);
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
}, 600_000);

describe('the tarballs of pack:release, installed with npm outside the checkout', { timeout: 300_000 }, () => {
  it('are real copies: no installed file links back into the checkout', () => {
    const installed = [join(app, 'node_modules', 'denoise'), ...readdirSync(join(app, 'node_modules', '@denoise')).map((name) => join(app, 'node_modules', '@denoise', name))];
    expect(installed.length).toBe(14);
    for (const folder of installed) expect(realpathSync(folder).startsWith(checkout.replace(/\/$/, '') + sep), folder).toBe(false);
  });

  it('npx denoise sample --steps 5 --batch 2 writes two PNGs with the embedded model from the package', () => {
    const run = inApp('npx', ['--no', 'denoise', 'sample', '--steps', '5', '--batch', '2', '--out', 'samples']);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(join(app, 'samples')).sort()).toEqual(['sample-000.png', 'sample-001.png']);
    expect(run.stderr).not.toContain(checkout);
  });

  it('npx denoise bench --quick runs the table', () => {
    const run = inApp('npx', ['--no', 'denoise', 'bench', '--quick', '--out', 'bench']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Model \`${join(app, 'node_modules', '@denoise', 'repo-layout', 'assets', 'models', 'fmnist-unet')}\``);
    expect(run.stdout).toMatch(/\| ddim-10 /);
  });

  it("the README's library example runs as written", () => {
    writeFileSync(join(app, 'example.mjs'), readmeExample());
    const run = inApp(process.execPath, ['example.mjs']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('x0: 4096 float32 values, shape [4, 1, 32, 32], 20 model calls\n');
    expect(readdirSync(app).filter((f) => f.endsWith('.png')).sort()).toEqual(['image-0.png', 'image-1.png', 'image-2.png', 'image-3.png']);
  });

  it('npx denoise golden --manifest on a two-case manifest of its own: --update makes the goldens, a check passes, a painted-over golden fails', async () => {
    const goldens = join(app, 'goldens');
    mkdirSync(goldens);
    const model = '../node_modules/@denoise/repo-layout/assets/models/fmnist-unet';
    const base = { model, sampler: 'ddim', steps: 3, eta: 0, timestepSpacing: 'leading', schedulerOverrides: {}, generator: 'philox', batch: 2 };
    const cases = [{ ...base, name: 'ddim-3-seed0', seed: 0 }, { ...base, name: 'ddim-3-seed1', seed: 1 }];
    writeFileSync(join(goldens, 'manifest.json'), JSON.stringify({ version: 1, runtime: { executionProvider: 'cpu', threads: 1 }, cases }, null, 2));
    const golden = (...args: string[]) => inApp('npx', ['--no', 'denoise', 'golden', '--manifest', 'goldens/manifest.json', ...args]);
    const noManifest = inApp('npx', ['--no', 'denoise', 'golden']);
    expect(noManifest.status).toBe(2);
    expect(noManifest.stderr).toContain("--manifest FILE is needed: the default is denoise's own manifest, which only its repository has");
    const update = golden('--update');
    expect(update.status, update.stderr).toBe(0);
    const pass = golden();
    expect(pass.status, pass.stdout + pass.stderr).toBe(0);
    const goldenPath = join(goldens, 'ddim-3-seed1.png');
    const { image, text } = await readPng(goldenPath);
    const pixels = Uint8Array.from(image.pixels);
    for (let y = 8; y < 24; y++) pixels.fill(255, y * image.width + 8, y * image.width + 24); // a white square in image 0
    await writePng(goldenPath, { ...image, pixels }, text);
    const fail = golden();
    expect(fail.status).toBe(1);
    expect(fail.stdout).toMatch(/fail +ddim-3-seed1/);
    expect(readdirSync(join(goldens, 'artifacts'))).toContain('ddim-3-seed1.png');
  });

  it('npx denoise version names the commit the tarballs were packed from', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: checkout, encoding: 'utf8' }).trim();
    expect(inApp('npx', ['--no', 'denoise', 'version']).stdout).toMatch(new RegExp(`^denoise \\d+\\.\\d+\\.\\d+\\S* \\(commit ${head.slice(0, 12)}`));
  });
});
