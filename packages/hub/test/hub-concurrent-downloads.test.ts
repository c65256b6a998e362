// Two runs that need the same blob at once: the second waits for the first's download (its lock in .locks/) and
// finds the blob in place, rather than both writing one .incomplete file (the second then failed, renaming a file
// the first had already moved). A lock left by a run that is gone is taken over.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubRepoCache } from '../src/hub-cache.js';
import { resolveHubModel } from '../src/resolve-hub-model.js';
import type { StandInHub } from '../src/testing/stand-in-hub.js';
import { environment, startHub, WEIGHTS, weightsEtag as etag } from './fixtures.js';

let hub: StandInHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.close();
});

/** Requests for the weights' bytes (not the client's one-byte probe of the file's metadata). */
const weightFetches = (requests: readonly string[]) => requests.filter((r) => r.startsWith(`GET /cdn/google/ddpm-tiny/${WEIGHTS}`) && !r.endsWith('bytes=0-0')).length;

describe('resolveHubModel: downloads of one blob by two runs', () => {
  it('two runs at once into one cache: both resolve, the weights are fetched once, the second says it waits', async () => {
    const env = environment(hub);
    hub.faults.throttleMs.set(WEIGHTS, 10); // about 0.4 s for the weights: the runs overlap
    const before = hub.requests.length;
    const logs: string[] = [];
    try {
      const [first, second] = await Promise.all([
        resolveHubModel('hf:google/ddpm-tiny', { environment: env, log: (line) => logs.push(line) }),
        resolveHubModel('hf:google/ddpm-tiny', { environment: env, log: (line) => logs.push(line) }),
      ]);
      expect(second.localPath).toBe(first.localPath);
      expect(createHash('sha256').update(readFileSync(join(first.localPath, WEIGHTS))).digest('hex')).toBe(etag);
      expect(weightFetches(hub.requests.slice(before))).toBe(1);
      expect(logs.some((line) => line.includes(`waiting for process ${process.pid} on ${hostname()}, which is downloading ${WEIGHTS}`))).toBe(true);
      const blobs = readdirSync(join(env.cacheDir, 'models--google--ddpm-tiny', 'blobs'));
      expect(blobs.filter((name) => !/^[0-9a-f]{40,64}$/.test(name))).toEqual([]); // no .incomplete, no temporary files
      expect(existsSync(new HubRepoCache(env.cacheDir, 'google/ddpm-tiny').downloadLockPath(etag))).toBe(false);
    } finally {
      hub.faults.throttleMs.delete(WEIGHTS);
    }
  });

  it('a lock left by a run that no longer exists (SIGKILL) is taken over', async () => {
    const env = environment(hub);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const lockPath = new HubRepoCache(env.cacheDir, 'google/ddpm-tiny').downloadLockPath(etag);
    mkdirSync(dirname(lockPath), { recursive: true });
    writeFileSync(lockPath, JSON.stringify({ pid: Number(gone.stdout), host: hostname() }));
    const resolved = await resolveHubModel('hf:google/ddpm-tiny', { environment: env });
    expect(resolved.downloaded).toContain(WEIGHTS);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('a lock held by a live process: the run waits for it (and the signal ends the wait)', async () => {
    const env = environment(hub);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const lockPath = new HubRepoCache(env.cacheDir, 'google/ddpm-tiny').downloadLockPath(etag);
      mkdirSync(dirname(lockPath), { recursive: true });
      writeFileSync(lockPath, JSON.stringify({ pid: holder.pid, host: hostname() }));
      const controller = new AbortController();
      const logs: string[] = [];
      const pending = resolveHubModel('hf:google/ddpm-tiny', { environment: env, signal: controller.signal, log: (line) => logs.push(line) }).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(logs).toEqual([`hf:google/ddpm-tiny: waiting for process ${holder.pid} on ${hostname()}, which is downloading ${WEIGHTS} into the same cache`]);
      controller.abort(new Error('stopped by the test'));
      expect(((await pending) as Error).message).toBe('stopped by the test');
      expect(existsSync(lockPath)).toBe(true); // still the holder's
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
