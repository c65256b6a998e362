import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const FMNIST = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'denoise-bench-input-'));

/** The built bench, as `pnpm bench` runs it; small settings so that a run that should have stopped still ends soon. */
function bench(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [BENCH, '--threads', '1', '--batch', '1', '--out', out, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stderr: run.stderr };
}

/** A copy of the embedded Fashion-MNIST UNet folder with its scheduler_config.json replaced. */
function modelWithSchedulerConfig(name: string, schedulerConfig: string): string {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  for (const file of ['config.json', 'diffusion_pytorch_model.safetensors']) copyFileSync(join(FMNIST, file), join(dir, file));
  writeFileSync(join(dir, 'scheduler_config.json'), schedulerConfig);
  return dir;
}

/** Nothing was timed: no bare session.run line, no configuration line. */
function expectNothingTimed(stderr: string): void {
  expect(stderr).not.toContain('bare session.run');
  expect(stderr).not.toMatch(/\[\d+\/\d+\]/);
}

describe('pnpm bench: --iterations', () => {
  it.each(['0', 'abc', '-3', '1.5', ''])("--iterations '%s' exits 2 saying what is wrong and what is allowed", (value) => {
    const { status, stderr } = bench('--iterations', value);
    expect(status).toBe(2);
    expect(stderr).toContain('--iterations');
    expect(stderr).toContain(`'${value}'`);
    expect(stderr).toContain("'auto' or an integer ≥ 1");
  });

  it('--quick --iterations 0 is refused too (--quick sets 2 only when --iterations is not given)', () => {
    const { status, stderr } = bench('--quick', '--iterations', '0');
    expect(status).toBe(2);
    expect(stderr).toContain("'auto' or an integer ≥ 1");
  });
});

describe('pnpm bench: option values take what pnpm sample takes', () => {
  const cores = availableParallelism();
  it.each([String(4 * cores + 1), '99999', '99999999999999999999'])("--threads %s exits 2 naming the maximum (4 per core), before any timing", (value) => {
    const { status, stderr } = bench('--threads', value);
    expect(status).toBe(2);
    expect(stderr).toContain(`--threads <n>' argument '${value}' is invalid. expected an integer from 1 to ${4 * cores}`);
    expectNothingTimed(stderr);
  });

  it('--fid-samples beyond 1,000,000 exits 2 before anything is planned', () => {
    const { status, stderr } = bench('--quality', 'fid', '--fid-samples', '1000000000000');
    expect(status).toBe(2);
    expect(stderr).toContain("expected an integer from 1 to 1000000, got '1000000000000'");
    expectNothingTimed(stderr);
  });
});

describe('pnpm bench: --out and the folders given to merge, checked before any work', () => {
  const file = join(out, 'a-file');
  writeFileSync(file, '');
  it.each([
    [file, `--out ${file}: ${file} exists and is not a folder`],
    [join(file, 'sub'), `--out ${join(file, 'sub')}: ${file} exists and is not a folder`],
    ['/proc/denoise-out', '--out /proc/denoise-out: cannot write under /proc (a kernel pseudo-file system)'],
  ])('pnpm bench --out %s exits 2 naming it', (path, message) => {
    const { status, stderr } = bench('--quick', '--out', path);
    expect(status).toBe(2);
    expect(stderr).toContain(message);
    expectNothingTimed(stderr);
  });

  it('pnpm bench merge: a file where a shard folder is expected, and --out that is a file, exit 2 naming them', () => {
    const merge = (...args: string[]) => spawnSync(process.execPath, [BENCH, 'merge', ...args], { encoding: 'utf8', timeout: 60_000 });
    const given = merge(file);
    expect(given.status).toBe(2);
    expect(given.stderr).toContain(`${file}: not a folder; expected a shard folder (shard-K-of-N/) or a folder holding them`);
    const outFile = merge(out, '--out', file);
    expect(outFile.status).toBe(2);
    expect(outFile.stderr).toContain(`pnpm bench merge: --out ${file}: ${file} exists and is not a folder`);
  });
});

describe('pnpm bench: input files are read before any work', () => {
  it('a missing --compare result or --classifier folder exits 2 naming it, before anything is timed', () => {
    const compare = bench('--quick', '--compare', join(out, 'nope.json'));
    expect(compare.status).toBe(2);
    expect(compare.stderr).toContain('nope.json: cannot read a bench result');
    expectNothingTimed(compare.stderr);
    const classifier = bench('--quality', 'fid', '--fid-samples', '2', '--classifier', join(out, 'no-classifier'));
    expect(classifier.status).toBe(2);
    expect(classifier.stderr).toContain(`--classifier ${join(out, 'no-classifier')}: no model.onnx there`);
    expectNothingTimed(classifier.stderr);
  });
});

describe('pnpm bench: every configuration is checked before any timing', () => {
  it('a configuration the scheduler config cannot run (ddim-2000 on 1000 training steps) exits 2 at once, naming it and why', () => {
    const { status, stderr } = bench('--samplers', 'ddim-2,ddim-2000', '--reference', 'none', '--iterations', '1');
    expect(status, stderr).toBe(2);
    expect(stderr).toContain('ddim-2000');
    expect(stderr).toContain('num_inference_steps');
    expect(stderr).toContain('num_train_timesteps = 1000');
    expect(stderr).not.toContain('--samplers ddim-2:');
    expectNothingTimed(stderr);
  });

  it('the reference is checked too, and every bad configuration is listed', () => {
    const { status, stderr } = bench('--samplers', 'ddim-2,pndm-1500', '--reference', 'ddim-3000', '--iterations', '1');
    expect(status, stderr).toBe(2);
    expect(stderr).toContain('2 configurations cannot run');
    expect(stderr).toContain('--reference ddim-3000');
    expect(stderr).toContain('--samplers pndm-1500');
    expectNothingTimed(stderr);
  });
});

describe('pnpm bench: a model-side modifier the model cannot take is refused before any timing', () => {
  it('a DeepCache branch beyond the UNet', () => {
    const { status, stderr } = bench('--iterations', '1', '--samplers', 'ddim-10,ddim-10+deepcache3b9', '--reference', 'none');
    expect(status).toBe(2);
    expect(stderr).toContain('DeepCache branch 9 is beyond this UNet: it has 6 skip connections, so the branch is an integer 0 … 5');
    expectNothingTimed(stderr);
  });

  it('+int8 and +deepcache on an ONNX file', () => {
    const onnx = fileURLToPath(new URL('../../../fixtures/models/test/closed-form', import.meta.url));
    for (const [config, message] of [
      ['ddim-10+int8', "precision 'int8' is supported for a diffusers UNet2DModel folder"],
      ['ddim-10+deepcache2', "an ONNX file's graph cannot be cut"],
    ] as const) {
      const { status, stderr } = bench('--model', onnx, '--iterations', '1', '--samplers', config, '--reference', 'none');
      expect(status).toBe(2);
      expect(stderr).toContain(message);
      expectNothingTimed(stderr);
    }
  });
});

describe('pnpm bench: an unusable input exits 2, as in denoise sample', () => {
  it('a missing model', () => {
    const { status, stderr } = bench('--model', join(out, 'no-such-model'), '--samplers', 'ddim-2', '--reference', 'none', '--iterations', '1');
    expect(status, stderr).toBe(2);
    expect(stderr).toContain('no-such-model');
  });

  it('a corrupt .onnx file', () => {
    const file = join(out, 'corrupt.onnx');
    writeFileSync(file, 'this is not an ONNX model');
    const { status, stderr } = bench('--model', file, '--samplers', 'ddim-2', '--reference', 'none', '--iterations', '1');
    expect(status, stderr).toBe(2);
    expect(stderr).toContain('corrupt.onnx');
  });

  it('a scheduler_config.json that is not JSON', () => {
    const model = modelWithSchedulerConfig('not-json', '{ "num_train_timesteps": ');
    const { status, stderr } = bench('--model', model, '--samplers', 'ddim-2', '--reference', 'none', '--iterations', '1');
    expect(status, stderr).toBe(2);
    expect(stderr).toContain('scheduler_config.json');
    expectNothingTimed(stderr);
  });

  it('a scheduler config with a value denoise refuses', () => {
    const model = modelWithSchedulerConfig('bad-beta', JSON.stringify({ _class_name: 'DDPMScheduler', num_train_timesteps: 1000, beta_schedule: 'no-such-schedule' }));
    const { status, stderr } = bench('--model', model, '--samplers', 'ddim-2', '--reference', 'none', '--iterations', '1');
    expect(status, stderr).toBe(2);
    expect(stderr).toContain('--samplers ddim-2');
    expect(stderr).toContain('beta_schedule');
    expectNothingTimed(stderr);
  });
});

describe('pnpm bench with its output piped into a reader that stops early', () => {
  it('--help | head -1 ends quietly (no EPIPE stack trace)', () => {
    const run = spawnSync('sh', ['-c', `"${process.execPath}" "${BENCH}" merge --help | head -1`], { encoding: 'utf8' });
    expect(run.stdout).toMatch(/^Usage: pnpm bench merge/);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
  });
});

describe('pnpm bench --version', () => {
  it('prints the version and the commit, exit 0, nothing run', () => {
    const run = spawnSync(process.execPath, [BENCH, '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^denoise \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{12}(, with uncommitted changes)?|unknown)\)\n$/);
    expectNothingTimed(run.stderr);
  });
});
