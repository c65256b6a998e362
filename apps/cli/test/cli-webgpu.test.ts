// The GPU code path without a GPU: the WebGPU provider (Dawn over Vulkan) on Mesa's lavapipe, a CPU
// implementation of Vulkan that .ci/run installs on Debian 12. Results are compared with the CPU provider
// from the same seed; bit identity across providers is not expected. Measured max |webgpu − cpu| of x0 at
// batch 2, seed 3, on this machine: embedded model DDIM-10 5.8e-6, DPM-Solver-10 4.2e-6, Euler-a-10 2.0e-5,
// Heun-5 4.3e-5; the cifar10-tiny diffusers folder (random weights) DDIM-10 4.3e-4. The tolerances below are
// about twice to five times those.
// Where the provider is not usable the tests skip, saying why, unless DENOISE_EXPECT_WEBGPU=1 (CI on Debian 12).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '@denoise/image';
import { listExecutionProviders } from '@denoise/runtime';
import { fixture, runCli, tempDir } from './run-cli.js';

const webgpu = (await listExecutionProviders()).find((s) => s.name === 'webgpu')!;
const expected = process.env['DENOISE_EXPECT_WEBGPU'] === '1';
const why = `the webgpu provider is not usable here (${webgpu.reason ?? 'unknown'}); on Debian 12, .ci/run installs Mesa's lavapipe from bookworm-backports`;

describe('WebGPU provider (lavapipe when there is no GPU)', { timeout: 120_000 }, () => {
  it.runIf(!webgpu.usable && expected)('is usable where CI installed the Vulkan driver', () => {
    expect.fail(`DENOISE_EXPECT_WEBGPU=1 but ${why}`);
  });
  if (!webgpu.usable) {
    it.skip(`skipped: ${why}`, () => {});
    return;
  }

  async function x0(ep: string, args: readonly string[]): Promise<{ data: Float32Array; summary: Record<string, unknown>; stderr: string }> {
    const dir = tempDir();
    const run = await runCli([...args, '--ep', ep, '--seed', '3', '--batch', '2', '--out', dir, '--out-npy', join(dir, 'x0.npy'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    return { data: (await readNpy(join(dir, 'x0.npy'))).data as Float32Array, summary: JSON.parse(run.stdout) as Record<string, unknown>, stderr: run.stderr };
  }

  const cases: [string, string[], number][] = [
    ['embedded model, DDIM-10', ['--sampler', 'ddim', '--steps', '10'], 1e-4],
    ['embedded model, DPM-Solver++ 10 steps', ['--sampler', 'dpm-solver', '--steps', '10'], 1e-4],
    ['embedded model, Euler ancestral 10 steps (same step noise)', ['--sampler', 'euler-a', '--steps', '10'], 1e-4],
    ['embedded model, Heun 5 steps (9 calls)', ['--sampler', 'heun', '--steps', '5'], 2e-4],
    ['diffusers folder ddpm-cifar10-32-tiny, DDIM-10', ['--model', fixture('diffusers-unet/ddpm-cifar10-32-tiny'), '--steps', '10'], 2e-3],
  ];
  for (const [name, args, tolerance] of cases) {
    it(`${name}: within ${tolerance} of the CPU provider`, async () => {
      const [cpu, gpu] = [await x0('cpu', args), await x0('webgpu', args)];
      expect(gpu.summary['executionProvider']).toBe('webgpu');
      let maxDiff = 0;
      gpu.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - cpu.data[i]!))));
      expect(maxDiff).toBeLessThanOrEqual(tolerance);
      expect(gpu.data.every(Number.isFinite)).toBe(true);
    });
  }

  it('auto picks webgpu when it is usable, and says which adapter (a software one is named as such)', async () => {
    const run = await x0('auto', ['--steps', '3']);
    expect(run.summary['executionProvider']).toBe('webgpu');
    const adapter = run.summary['adapter'] as { vendor: string; device: string; software: boolean };
    expect(adapter.vendor).not.toBe('');
    expect(run.stderr).toMatch(/execution provider: webgpu \(auto\) on /);
    if (adapter.software) expect(run.stderr).toContain('software adapter (CPU speed, not a GPU)');
  });

  it('--list-providers names the adapter and prints no Vulkan/Dawn warnings', async () => {
    const run = await runCli(['--list-providers']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^webgpu +usable on .+/m);
    expect(run.stderr).not.toMatch(/Warning|VulkanError|CheckVkSuccessImpl/);
  });
});
