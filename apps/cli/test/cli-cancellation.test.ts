import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, tempDir } from './run-cli.js';

// SIGHUP (the terminal closed) stops the run as SIGINT does; it used to kill the process with a .part file left.
describe.each([
  ['SIGINT', 130],
  ['SIGHUP', 129],
] as const)('denoise sample on %s', (signal, code) => {
  it(`stops within one step, exits ${code} and leaves no files`, async () => {
    const out = join(tempDir(), 'out');
    let sent = false;
    // The embedded UNet at batch 8 takes tens of ms per step, so the run is still going when the signal lands.
    const run = await runCli(
      ['--model', fixture('models/fmnist-unet'), '--sampler', 'ddpm', '--batch', '8', '--threads', '1', '--out', out, '--out-npy', join(out, 'x.npy')],
      (text, kill) => {
        if (!sent && /ddpm-1000 \d+\/1000 steps/.test(text)) {
          sent = true;
          kill(signal);
        }
      },
    );
    expect(sent).toBe(true);
    expect(run.stderr).toMatch(/sampling cancelled after (\d+) step\(s\)/);
    const stepsDone = Number(/cancelled after (\d+)/.exec(run.stderr)![1]);
    expect(stepsDone).toBeLessThan(1000);
    expect(run.code).toBe(code);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 60_000);
});

describe('denoise sample after a SIGKILLed run', () => {
  it('removes the staged files the killed run left (no handler runs on SIGKILL), and only those', async () => {
    const out = join(tempDir(), 'out');
    let killed = false;
    // A pause before each output write (test hook), so the run is caught with staged files on disk.
    const poll = setInterval(() => {
      if (!killed && existsSync(out) && readdirSync(out).some((n) => n.endsWith('.part'))) {
        killed = true;
        child?.('SIGKILL');
      }
    }, 20);
    let child: ((signal: NodeJS.Signals) => void) | undefined;
    const run = await runCli(
      ['--model', fixture('models/test/closed-form'), '--steps', '3', '--batch', '4', '--out', out],
      (_text, kill) => (child = kill),
      { ...process.env, DENOISE_TEST_WRITE_DELAY_MS: '300' },
    );
    clearInterval(poll);
    expect(killed).toBe(true);
    expect(run.signal).toBe('SIGKILL');
    const left = readdirSync(out).filter((n) => n.endsWith('.part'));
    expect(left.length).toBeGreaterThan(0);
    // A staged file of a live run (this test's own pid) must survive the next run's cleanup.
    const live = `.sample-009.png.${process.pid}-0123456789ab.part`;
    writeFileSync(join(out, live), 'live');

    const next = await runCli(['--model', fixture('models/test/closed-form'), '--steps', '3', '--batch', '2', '--out', out]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`removed ${left.length} temporary file(s) left by a killed run`);
    expect(readdirSync(out).sort()).toEqual([live, 'sample-000.png', 'sample-001.png']);
  }, 60_000);
});

describe('pnpm sample on SIGTERM', () => {
  it("the root script execs node, so the signal reaches the CLI (exit 143), not a shell that would leave node running", async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['sample']!;
    // The part after the build: what pnpm's shell runs once the CLI is built (the test has built it already).
    const launch = script.split('&&').at(-1)!.trim();
    const out = join(tempDir(), 'out');
    const child = spawn('sh', ['-c', `${launch} --sampler ddpm --batch 8 --threads 1 --out ${out}`], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /ddpm-1000 \d+\/1000 steps/.test(stderr)) {
        sent = true;
        child.kill('SIGTERM'); // the shell's pid: with exec it is node's
      }
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    expect(sent).toBe(true);
    expect(signal).toBeNull();
    expect(code).toBe(143);
    expect(stderr).toMatch(/sampling cancelled after \d+ step\(s\)/);
  }, 60_000);
});
