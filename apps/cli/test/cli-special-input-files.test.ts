// Inputs that are not regular files: a FIFO as --model used to hang the run (waiting for a writer), /dev/zero as
// --noise to read until memory ran out. Both are refused at once with exit 2, naming the path.
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, tempDir } from './run-cli.js';

const model = fixture('models/test/closed-form');

describe('denoise sample: input paths that are not regular files', () => {
  it('a FIFO as --model: exit 2 naming it, without waiting for a writer', async () => {
    const fifo = join(tempDir(), 'model.onnx');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const run = await runCli(['--model', fifo, '--steps', '2', '--out', join(tempDir(), 'out')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${fifo}: not a regular file or folder (a FIFO, device or socket)`);
  });

  it('/dev/zero, directly or through a link, as --noise: exit 2 naming it, before the model is loaded', async () => {
    const link = join(tempDir(), 'noise.npy');
    symlinkSync('/dev/zero', link);
    for (const path of ['/dev/zero', link]) {
      const run = await runCli(['--model', model, '--steps', '2', '--noise', path, '--out', join(tempDir(), 'out')]);
      expect(run.code, path).toBe(2);
      expect(run.stderr).toContain(`--noise ${path}: is a device; expected a .npy file`);
    }
  });

  it('a FIFO or /dev/zero as --scheduler-config or --init-image: exit 2 naming it, without waiting or reading', async () => {
    const fifo = join(tempDir(), 'scheduler_config.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const path of [fifo, '/dev/zero']) {
      const run = await runCli(['--model', model, '--steps', '2', '--scheduler-config', path, '--out', join(tempDir(), 'out')]);
      expect(run.code, path).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`--scheduler-config ${path}: is a (FIFO|device|character device)[^\\n]*not a regular file`));
    }
    const init = await runCli(['--model', fixture('diffusers-sd/sd1-tiny'), '--prompt', 'x', '--init-image', '/dev/zero', '--steps', '2', '--out', join(tempDir(), 'out')]);
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/--init-image \/dev\/zero: is a [^\n]*not a regular file/);
  });
});
