/**
 * What does not apply to the model is refused with exit 2, naming the flag, before anything is timed: FID and class
 * labels on a text-to-image pipeline, the text flags on an unconditional model, a prompts file without prompts, a
 * size the pipeline cannot make.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const SD1 = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sd1-tiny', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'denoise-bench-sd-refusals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bench(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [BENCH, '--threads', '1', '--batch', '1', '--samplers', 'ddim-2', '--reference', 'none', '--iterations', '1', '--out', join(work, 'out'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

/** Exit 2, the flag named, nothing timed. */
function expectRefused(run: { status: number | null; stderr: string }, message: RegExp): void {
  expect(run.status, run.stderr).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toContain('bare session.run');
  expect(run.stderr).not.toMatch(/\[\d+\/\d+\]/);
}

describe('pnpm bench on a text-to-image pipeline refuses what applies to other models', () => {
  it('--class-label', () => {
    expectRefused(bench('--model', SD1, '--class-label', '3'), /--class-label: .*sd1-tiny is a text-to-image pipeline \(StableDiffusionPipeline\), conditioned on prompts \(--prompts\), not on class labels/);
  });

  it('a size that is not a multiple of the pipeline\'s size multiple', () => {
    expectRefused(bench('--model', SD1, '--height', '30'), /--height 30 --width 32: both must be multiples of 4 \(the VAE's scale factor 2 × the UNet's downsampling 2\); e\.g\. 32×32/);
  });
});

describe('pnpm bench refuses the text flags on an unconditional model, naming each one given', () => {
  it('--prompts', () => {
    expectRefused(bench('--prompts', file('one.txt', 'a cat\n')), /--prompts: .*fmnist-unet is an unconditional model; it applies to text-to-image pipelines only/);
  });

  it('--guidance-scale and --negative-prompt', () => {
    expectRefused(bench('--guidance-scale', '3', '--negative-prompt', 'blurry'), /--negative-prompt, --guidance-scale: .* is an unconditional model; they apply to text-to-image pipelines only/);
  });
});

describe('pnpm bench --prompts: a file without prompts', () => {
  it('only comments and blank lines: exit 2 naming --prompts and the file, before the model is loaded', () => {
    const empty = file('empty.txt', '# nothing here\n\n   \n#a cat\n');
    const run = bench('--model', SD1, '--prompts', empty);
    expectRefused(run, new RegExp(`--prompts ${empty}: no prompts in it \\(one per line; blank lines and lines starting with '#' are skipped\\)`));
    expect(run.stderr).not.toContain('loaded StableDiffusionPipeline');
  });

  it('a missing file', () => {
    expectRefused(bench('--model', SD1, '--prompts', join(work, 'no-such.txt')), /--prompts .*no-such\.txt: cannot read it \(ENOENT/);
  });

  it('--guidance-scale that is not a number', () => {
    expectRefused(bench('--model', SD1, '--guidance-scale', 'lots'), /--guidance-scale.*expected a number, got 'lots'/);
  });
});
