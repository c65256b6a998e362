// The denoise command dispatches to the apps' commands: `denoise sample` is pnpm sample, `denoise bench` is pnpm bench
// under its own name; anything else is exit 2 with the list of commands.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DENOISE = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const denoise = (...args: string[]) => spawnSync(process.execPath, [DENOISE, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('denoise <command>', () => {
  it('denoise sample runs the sampler command (the embedded model by default) and writes its PNGs', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'denoise-command-')), 'out');
    const run = denoise('sample', '--steps', '2', '--batch', '2', '--out', out);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['sample-000.png', 'sample-001.png']);
  });

  it('denoise bench and its subcommands speak under their own name', () => {
    expect(denoise('bench', '--help').stdout).toMatch(/^Usage: denoise bench \[options\]/);
    const merge = denoise('bench', 'merge', '/nonexistent-shards');
    expect(merge.status).toBe(2);
    expect(merge.stderr).toMatch(/^denoise bench merge: /m);
  });

  it('--version, --help; no command or an unknown one is exit 2 naming the commands', () => {
    for (const flag of ['--version', '-V', 'version']) expect(denoise(flag).stdout, flag).toMatch(/^denoise \d+\.\d+\.\d+\S* \(commit /);
    expect(denoise('--help').stdout).toContain('Usage: denoise <command> [options]');
    const none = denoise();
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Usage: denoise <command>');
    const unknown = denoise('smaple');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("denoise: unknown command 'smaple'; the commands are sample, bench, golden");
  });
});
