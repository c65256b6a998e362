// pnpm bench on an hf: model through the stand-in hub: --verify-cache re-hashes the cached files before the sweep,
// and offline a cached blob changed in place (same size) is refused with exit 2 naming it, before anything is timed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesOf, startStandInHub, type StandInHub } from '@denoise/hub/testing';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const fixture = (path: string) => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));
let hub: StandInHub;

beforeAll(async () => {
  const files = filesOf(fixture('diffusers-unet/ddpm-cifar10-32-tiny'));
  for (const path of [...files.keys()]) if (path.startsWith('cases') || path.endsWith('MANIFEST.json')) files.delete(path);
  files.set('scheduler_config.json', readFileSync(fixture('models/fmnist-unet/scheduler_config.json')));
  hub = await startStandInHub([{ id: 'google/ddpm-tiny', files }]);
});
afterAll(async () => {
  await hub?.close();
});

/** The built bench on the hf: model with the smallest sweep, in a user's environment whose cache is `cache`. */
function bench(cache: string, extraEnv: NodeJS.ProcessEnv, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, HF_HUB_CACHE: cache, HF_ENDPOINT: hub.url, HF_HOME: join(cache, 'home'), ...extraEnv };
  for (const key of ['HF_TOKEN', 'HF_HUB_OFFLINE']) if (!(key in extraEnv)) delete env[key];
  const out = mkdtempSync(join(tmpdir(), 'denoise-bench-hub-'));
  const argv = [BENCH, '--model', 'hf:google/ddpm-tiny', '--samplers', 'ddim-2', '--reference', 'none', '--iterations', '1', '--batch', '1', '--threads', '1', '--out', out, ...args];
  // Not spawnSync: the stand-in hub answers from this process's event loop.
  return new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('pnpm bench --verify-cache on an hf: model', () => {
  it('re-hashes the cached files before the sweep; offline, a blob changed in place is exit 2 naming it, nothing timed', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'denoise-bench-hf-cache-'));
    const first = await bench(cache, {});
    expect(first.status, first.stderr).toBe(0);
    const verified = await bench(cache, { HF_HUB_OFFLINE: '1' }, '--verify-cache');
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stderr).toMatch(/hf:google\/ddpm-tiny: re-hashed 3 cached file\(s\), 0\.6 MiB/);

    const blobs = join(cache, 'models--google--ddpm-tiny', 'blobs');
    const weights = readdirSync(blobs).map((name) => join(blobs, name)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const bytes = readFileSync(weights);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x10; // in the tensor data, past the header
    writeFileSync(weights, bytes);
    const trusted = await bench(cache, { HF_HUB_OFFLINE: '1' });
    expect(trusted.status, trusted.stderr).toBe(0); // without the flag a blob of the right size is trusted, as huggingface_hub does
    const refused = await bench(cache, { HF_HUB_OFFLINE: '1' }, '--verify-cache');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`the cached diffusion_pytorch_model.safetensors (${weights}) does not match its hash`);
    expect(refused.stderr).not.toContain('bare session.run');
  });
});
