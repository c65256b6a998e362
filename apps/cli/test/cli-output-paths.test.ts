// Output paths that an output must not replace: a symbolic link, a device or FIFO (rename would swap in a regular
// file: before this check, `--out-npy /dev/null` run as root replaced the device node), the run's own images, another output, the empty path. Each is refused
// with exit 2 before the model is loaded, and the path is left as it was.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, tempDir, type CliRun } from './run-cli.js';

const model = fixture('models/test/closed-form');
const sample = (extra: string[]) => runCli(['--model', model, '--steps', '2', '--batch', '1', ...extra]);

describe('denoise sample: an output file is a new path or a regular file, and outputs never share one', () => {
  it('a symbolic link as --out-npy: exit 2 naming it, the link and its target untouched', async () => {
    const dir = tempDir();
    const target = join(dir, 'target.npy');
    writeFileSync(target, 'keep');
    const link = join(dir, 'link.npy');
    symlinkSync(target, link);
    const run = await sample(['--out', join(dir, 'out'), '--out-npy', link]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--out-npy ${link}: is a symbolic link`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('keep');
  });

  it('a FIFO, and (as root) a device like /dev/null, as --out-npy: exit 2, still a FIFO and a device', async () => {
    // Never /dev/null itself: a regression would replace the machine's /dev/null with a regular file.
    const dir = tempDir();
    const fifo = join(dir, 'pipe.npy');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const device = join(dir, 'null.npy');
    const isRoot = process.getuid?.() === 0;
    if (isRoot) expect(spawnSync('mknod', ['-m', '666', device, 'c', '1', '3']).status).toBe(0);
    for (const path of isRoot ? [fifo, device] : [fifo]) {
      const run = await sample(['--out', join(dir, 'out'), '--out-npy', path]);
      expect(run.code, path).toBe(2);
      expect(run.stderr).toContain(`--out-npy ${path}: is a device, FIFO or socket; an output is a new path or a regular file`);
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    if (isRoot) expect(lstatSync(device).isCharacterDevice()).toBe(true);
  });

  it("--out-npy on one of the run's PNGs, or on --out-latents' path: exit 2, nothing written", async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    for (const name of ['sample-000.png', 'grid.png']) {
      const run = await sample(['--out', out, '--out-npy', join(out, name)]);
      expect(run.code, name).toBe(2);
      expect(run.stderr).toContain(`--out-npy ${join(out, name)}: the run writes its images there (--out ${out})`);
    }
    const shared = join(dir, 'x.npy');
    const run = await sample(['--out', out, '--out-npy', shared, '--out-latents', shared]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--out-latents ${shared}: --out-npy names the same file; two outputs cannot share a path`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an empty --out or --out-npy: exit 2 (not the current folder)", async () => {
    const dir = tempDir();
    const empty = await runCli(['--model', model, '--steps', '2', '--batch', '1', '--out', ''], undefined, undefined, dir);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--out '': expected a folder (use . for the current one)");
    const emptyNpy = await sample(['--out', join(dir, 'out'), '--out-npy', ' ']);
    expect(emptyNpy.code).toBe(2);
    expect(emptyNpy.stderr).toContain("--out-npy ' ': expected a file name");
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a regular file as --out-npy is replaced, as before', async () => {
    const dir = tempDir();
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, 'old');
    const run = await sample(['--out', join(dir, 'out'), '--out-npy', npy]);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(npy).subarray(1, 6).toString('latin1')).toBe('NUMPY');
  });
});

describe('denoise sample: two runs into one output', () => {
  it('a second run into an --out (or an --out-npy) that a live run is writing: exit 2 naming it; the first leaves a complete set', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const npy = join(dir, 'x.npy');
    let first: Promise<CliRun> | undefined;
    const claimed = new Promise<void>((resolve) => {
      // Slow writes (3 s before each of its four files) hold the first run's claims for 12 s while the others start.
      first = runCli(['--model', model, '--steps', '2', '--batch', '2', '--grid', '--out', out, '--out-npy', npy], (text) => {
        if (/2\/2 steps/.test(text)) resolve();
      }, { ...process.env, DENOISE_TEST_WRITE_DELAY_MS: '3000' });
    });
    await claimed;
    const [intoOut, intoNpy] = await Promise.all([sample(['--out', out, '--seed', '7']), sample(['--out', join(dir, 'other'), '--out-npy', npy, '--seed', '7'])]);
    const done = await first!;
    expect(done.code, done.stderr).toBe(0);
    expect(intoOut.code).toBe(2);
    expect(intoOut.stderr).toMatch(new RegExp(`--out ${out}: another denoise run \\(pid \\d+ on \\S+\\) is writing there; wait for it to end or choose another path`));
    expect(intoNpy.code).toBe(2);
    expect(intoNpy.stderr).toContain(`--out-npy ${npy}: another denoise run`);
    expect(readdirSync(out).sort()).toEqual(['grid.png', 'sample-000.png', 'sample-001.png']); // no lock left
    expect(readdirSync(dir).sort()).toEqual(['out', 'x.npy']); // the refused run made no folder
  });

  it('a claim left by a killed run (its pid gone) does not block the next run', async () => {
    const out = join(tempDir(), 'out');
    mkdirSync(out);
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(join(out, '.denoise-run.lock'), JSON.stringify({ pid: gone, host: hostname() }));
    const run = await sample(['--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['sample-000.png']);
  });
});
