import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '@denoise/image';
import { fixture, runCli, tempDir } from './run-cli.js';

const model = fixture('models/test/closed-form');
const schedulerConfig = join(model, 'scheduler_config.json');
const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const config = { _class_name: 'DDIMScheduler', num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' };
const writeConfig = (extra: Record<string, unknown>) => {
  const file = join(tempDir(), 'scheduler_config.json');
  writeFileSync(file, JSON.stringify({ ...config, ...extra }));
  return file;
};

describe('output paths are checked before any work (hostile review 1, 2)', () => {
  for (const option of ['--out', '--trace']) {
    it(`${option} /proc/x exits 2 at once naming the path (no endless recursive mkdir)`, async () => {
      const out = join(tempDir(), 'out');
      const args = option === '--out' ? ['--out', '/proc/x'] : ['--out', out, '--trace', '/proc/x'];
      const run = await runCli(['--model', model, '--steps', '2', '--batch', '1', ...args]);
      expect(run.stderr).toMatch(new RegExp(`${option} /proc/x: cannot write under /proc`));
      expect(run.stderr).not.toMatch(/steps,/); // refused before sampling
      expect(run.code).toBe(2);
      expect(listing(out)).toEqual([]);
    }, 20_000);
  }

  it('--out-npy whose folder cannot be made exits 2 before loading the model, and writes no PNG', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), 'x');
    const out = join(dir, 'out');
    const run = await runCli(['--model', model, '--steps', '2', '--batch', '2', '--grid', '--out', out, '--out-npy', join(dir, 'a-file', 'x.npy')]);
    expect(run.stderr).toMatch(/--out-npy .*a-file\/x\.npy: .*a-file exists and is not a folder/);
    expect(run.stderr).not.toMatch(/steps,/);
    expect(run.code).toBe(2);
    expect(listing(out)).toEqual([]);
    expect(listing(dir)).toEqual(['a-file']);
  });

  it('--out-npy into a missing folder creates it and writes every output', async () => {
    const dir = tempDir();
    const run = await runCli(['--model', model, '--steps', '2', '--batch', '2', '--out', join(dir, 'out'), '--out-npy', join(dir, 'missing', 'x.npy')]);
    expect(run.code).toBe(0);
    expect(listing(join(dir, 'out'))).toEqual(['sample-000.png', 'sample-001.png']);
    expect(listing(join(dir, 'missing'))).toEqual(['x.npy']);
  });

  it('a reused --out loses the stale sample-NNN.png of an earlier larger batch, and keeps files not of our naming', async () => {
    const out = join(tempDir(), 'out');
    expect((await runCli(['--model', model, '--steps', '2', '--batch', '4', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    writeFileSync(join(out, 'sample-final.png'), 'mine');
    expect((await runCli(['--model', model, '--steps', '2', '--batch', '2', '--out', out])).code).toBe(0);
    expect(listing(out)).toEqual(['notes.txt', 'sample-000.png', 'sample-001.png', 'sample-final.png']);
  });
});

describe('values are checked against the whole run before the first model call (hostile review 3)', () => {
  it('--eta 1.5 over 50 DDIM steps exits 2 before sampling, naming the largest η', async () => {
    const out = join(tempDir(), 'out');
    const run = await runCli(['--model', model, '--sampler', 'ddim', '--steps', '50', '--eta', '1.5', '--batch', '1', '--out', out]);
    expect(run.stderr).toMatch(/--eta: eta 1\.5 is too large for this 50-step plan.*largest η this plan allows is 1\.0/);
    expect(run.stderr).not.toMatch(/steps,/);
    expect(run.code).toBe(2);
    expect(listing(out)).toEqual([]);
  });

  it('--threads 1000 exits 2 naming the maximum', async () => {
    const run = await runCli(['--model', model, '--threads', '1000', '--out', join(tempDir(), 'out')]);
    expect(run.stderr).toMatch(new RegExp(`--threads.*expected an integer from 1 to ${4 * availableParallelism()}`));
    expect(run.code).toBe(2);
  });

  it('num_train_timesteps 1e9 exits 2 at once with a ConfigError naming the key', async () => {
    const run = await runCli(['--model', model, '--scheduler-config', writeConfig({ num_train_timesteps: 1e9 }), '--out', join(tempDir(), 'out')]);
    expect(run.stderr).toMatch(/invalid num_train_timesteps: got 1000000000; allowed: an integer in \[1, 100000\]/);
    expect(run.code).toBe(2);
  }, 20_000);

  it('beta_end 1 (ᾱ underflows to 0) exits 2 before the first model call, naming the file, the step and the key to change', async () => {
    const config = writeConfig({ beta_end: 1 });
    const run = await runCli(['--model', model, '--steps', '10', '--scheduler-config', config, '--out', join(tempDir(), 'out')]);
    expect(run.stderr).toContain(`${config}: model call 1 of 10 (timestep 900) cannot run:`);
    expect(run.stderr).toMatch(/use a smaller beta_end/);
    expect(run.stderr).not.toMatch(/steps,/);
    expect(run.code).toBe(2);
  });

  it('steps_offset 5000 exits 2 before sampling with a ConfigError naming the key', async () => {
    const run = await runCli(['--model', model, '--scheduler-config', writeConfig({ steps_offset: 5000 }), '--out', join(tempDir(), 'out')]);
    expect(run.stderr).toMatch(/invalid steps_offset: got 5000/);
    expect(run.stderr).not.toMatch(/steps,/);
    expect(run.code).toBe(2);
  });

  it('steps_offset 999 with 2 steps (a plan past the end) exits 2 before sampling naming steps_offset', async () => {
    const run = await runCli(['--model', model, '--steps', '2', '--scheduler-config', writeConfig({ steps_offset: 999 }), '--out', join(tempDir(), 'out')]);
    expect(run.stderr).toMatch(/invalid steps_offset: got 999.*planned timestep 1499/);
    expect(run.stderr).not.toMatch(/steps,/);
    expect(run.code).toBe(2);
  });
});

/** A closed-form model (as tools/denoise_tools/make_test_models) whose output is reshaped to `outShape` (-1 = batch). */
function reshapedOutputModel(outShape: number[]): string | undefined {
  const file = join(tempDir(), 'model.onnx');
  const script = `
import sys, onnx
from onnx import TensorProto, helper
shape = [int(v) for v in sys.argv[2].split(',')]
nodes = [
  helper.make_node('Constant', [], ['k'], value=helper.make_tensor('kv', TensorProto.FLOAT, [], [0.5])),
  helper.make_node('Mul', ['sample', 'k'], ['eps']),
  helper.make_node('Constant', [], ['shape'], value=helper.make_tensor('sv', TensorProto.INT64, [len(shape)], shape)),
  helper.make_node('Reshape', ['eps', 'shape'], ['out_sample']),
]
out_dims = ['batch' if d == -1 else d for d in shape]
graph = helper.make_graph(nodes, 'bad_shape',
  [helper.make_tensor_value_info('sample', TensorProto.FLOAT, ['batch', 1, 8, 8]),
   helper.make_tensor_value_info('timestep', TensorProto.INT64, ['batch'])],
  [helper.make_tensor_value_info('out_sample', TensorProto.FLOAT, out_dims)])
m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
m.ir_version = 8
onnx.save(m, sys.argv[1])
`;
  try {
    execFileSync('/usr/bin/python3', ['-c', script, file, outShape.join(',')], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  return file;
}

const hasPythonOnnx = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

describe('a model output of the wrong shape is refused (hostile review 4)', () => {
  for (const shape of [[-1, 1, 4, 16], [-1, 64]]) {
    it.skipIf(!hasPythonOnnx)(`an output of [B, ${shape.slice(1).join(', ')}] for a [B, 1, 8, 8] sample exits 2 naming both shapes`, async () => {
      const file = reshapedOutputModel(shape)!;
      const out = join(tempDir(), 'out');
      const run = await runCli(['--model', file, '--scheduler-config', schedulerConfig, '--steps', '2', '--batch', '2', '--out', out]);
      expect(run.stderr).toMatch(new RegExp(`has shape \\[2, ${shape.slice(1).join(', ')}\\], expected \\[2, 1, 8, 8\\]`));
      expect(run.code).toBe(2);
      expect(listing(out)).toEqual([]);
    });
  }
});

describe('SIGINT and SIGTERM alike at every phase (hostile review 5)', () => {
  const cases: [NodeJS.Signals, number][] = [['SIGINT', 130], ['SIGTERM', 143]];
  for (const [signal, code] of cases) {
    it(`${signal} while sampling exits ${code} and leaves no files`, async () => {
      const out = join(tempDir(), 'out');
      let sent = false;
      const run = await runCli(
        ['--model', fixture('models/fmnist-unet'), '--sampler', 'ddpm', '--batch', '8', '--threads', '1', '--out', out, '--out-npy', join(out, 'x.npy'), '--trace', join(out, 'trace')],
        (text, kill) => {
          if (!sent && /ddpm-1000 \d+\/1000 steps/.test(text)) {
            sent = true;
            kill(signal);
          }
        },
      );
      expect(sent).toBe(true);
      expect(run.stderr).toMatch(/sampling cancelled after \d+ step\(s\)/);
      expect(run.code).toBe(code);
      expect(listing(out)).toEqual([]);
    }, 60_000);

    it(`${signal} while the outputs are written exits ${code} and leaves no files`, async () => {
      const out = join(tempDir(), 'out');
      let sent = false;
      const run = await runCli(
        ['--model', model, '--steps', '2', '--batch', '4', '--grid', '--out', out, '--out-npy', join(out, 'x.npy')],
        (text, kill) => {
          if (!sent && /ddim-2 2\/2 steps/.test(text)) {
            sent = true;
            setTimeout(() => kill(signal), 300);
          }
        },
        { ...process.env, DENOISE_TEST_WRITE_DELAY_MS: '200' },
      );
      expect(sent).toBe(true);
      expect(run.stderr).toMatch(new RegExp(`interrupted \\(${signal}\\) while writing the outputs; nothing written`));
      expect(run.code).toBe(code);
      expect(listing(out)).toEqual([]);
    });
  }

  it('--version prints the version and the commit, exit 0', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^denoise \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{12}(, with uncommitted changes)?|unknown)\)\n$/);
  });

  it('--help documents exit codes 130 and 143', async () => {
    const run = await runCli(['--help']);
    expect(run.stdout).toMatch(/130 interrupted by SIGINT, 143 terminated by SIGTERM/);
  });
});

describe('messages name the real culprit (hostile review 6)', () => {
  it('a NaN in --noise exits 2 naming the file and the first bad element, before loading the model', async () => {
    const dir = tempDir();
    const noise = join(dir, 'noise.npy');
    const data = new Float32Array(2 * 64).fill(0.1);
    data[70] = Number.NaN;
    data[90] = Number.POSITIVE_INFINITY;
    await writeNpy(noise, { dtype: 'float32', shape: [2, 1, 8, 8], data });
    const out = join(dir, 'out');
    const run = await runCli(['--model', model, '--noise', noise, '--steps', '2', '--out', out]);
    expect(run.stderr).toMatch(/--noise .*noise\.npy: non-finite value NaN at element 70 \[1, 0, 0, 6\]/);
    expect(run.stderr).not.toMatch(/model output/);
    expect(run.code).toBe(2);
    expect(listing(out)).toEqual([]);
  });

  it("--model '' says that --model is empty", async () => {
    const run = await runCli(['--model', '', '--out', join(tempDir(), 'out')]);
    expect(run.stderr).toMatch(/--model is empty/);
    expect(run.code).toBe(2);
  });

  it('--batch with --noise is refused (exit 2) rather than ignored', async () => {
    const out = join(tempDir(), 'out');
    const run = await runCli(['--model', model, '--noise', fixture('npy/noise-1x1x8x8-float32.npy'), '--batch', '3', '--out', out]);
    expect(run.stderr).toMatch(/--batch and --noise together/);
    expect(run.code).toBe(2);
    expect(listing(out)).toEqual([]);
  });
});
