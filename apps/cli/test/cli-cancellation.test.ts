import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, tempDir } from './run-cli.js';

describe('denoise sample on SIGINT', () => {
  it('stops within one step, exits 130 and leaves no files', async () => {
    const out = join(tempDir(), 'out');
    let sent = false;
    // The embedded UNet at batch 8 takes tens of ms per step, so the run is still going when the signal lands.
    const run = await runCli(
      ['--model', fixture('models/fmnist-unet'), '--sampler', 'ddpm', '--batch', '8', '--threads', '1', '--out', out, '--out-npy', join(out, 'x.npy')],
      (text, kill) => {
        if (!sent && /ddpm-1000 \d+\/1000 steps/.test(text)) {
          sent = true;
          kill('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(run.stderr).toMatch(/sampling cancelled after (\d+) step\(s\)/);
    const stepsDone = Number(/cancelled after (\d+)/.exec(run.stderr)![1]);
    expect(stepsDone).toBeLessThan(1000);
    expect(run.code).toBe(130);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 60_000);
});
