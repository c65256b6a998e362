// A hub that hangs or a download that stops sending gives up after HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT
// (a silent server held a run for five minutes), and the run's abort signal stops a download at once; either way the
// .incomplete file stays and the next run resumes it.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../src/hub-errors.js';
import { resolveHubModel } from '../src/resolve-hub-model.js';
import type { StandInHub } from '../src/testing/stand-in-hub.js';
import { environment, startHub, WEIGHTS, weightsData as data, weightsEtag } from './fixtures.js';

let hub: StandInHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.close();
});

const incompleteIn = (cacheDir: string) => join(cacheDir, 'models--google--ddpm-tiny', 'blobs', `${weightsEtag}.incomplete`);

describe('resolveHubModel: time limits and interruption', () => {
  it('a server that never answers: gives up after HF_HUB_ETAG_TIMEOUT, saying so', async () => {
    hub.faults.silent = true;
    try {
      const started = performance.now();
      const error = await resolveHubModel('hf:google/ddpm-tiny', { environment: environment(hub, { requestTimeoutSeconds: 0.3 }) }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).kind).toBe('unreachable');
      expect((error as HubError).message).toContain(`${hub.url} did not answer within 0.3 s (HF_HUB_ETAG_TIMEOUT; raise it for a slow link)`);
    } finally {
      hub.faults.silent = false;
    }
  });

  it('a download that stops sending: gives up after HF_HUB_DOWNLOAD_TIMEOUT; the next run resumes from the bytes kept', async () => {
    const env = environment(hub, { downloadTimeoutSeconds: 0.3 });
    hub.faults.stallAfterBytes.set(WEIGHTS, 100_000);
    const error = await resolveHubModel('hf:google/ddpm-tiny', { environment: env }).catch((e: unknown) => e);
    hub.faults.stallAfterBytes.delete(WEIGHTS);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).message).toContain(`the download of ${WEIGHTS} stalled: no data for 0.3 s (HF_HUB_DOWNLOAD_TIMEOUT); run again to resume it`);
    expect(statSync(incompleteIn(env.cacheDir)).size).toBe(100_000);
    const resumed = await resolveHubModel('hf:google/ddpm-tiny', { environment: env });
    expect(resumed.downloaded).toContain(WEIGHTS);
    expect(hub.requests).toContain(`GET /cdn/google/ddpm-tiny/${WEIGHTS} bytes=100000-${data.length - 1}`);
  });

  it('the abort signal stops a download at once, keeping its .incomplete file', async () => {
    const env = environment(hub); // the default 10 s stall limit: only the signal can end this one early
    hub.faults.stallAfterBytes.set(WEIGHTS, 50_000);
    const controller = new AbortController();
    const started = performance.now();
    const pending = resolveHubModel('hf:google/ddpm-tiny', {
      environment: env,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.path === WEIGHTS && p.receivedBytes > 0) controller.abort(new Error('interrupted (SIGINT)'));
      },
    }).catch((e: unknown) => e);
    const error = await pending;
    hub.faults.stallAfterBytes.delete(WEIGHTS);
    expect((error as Error).message).toBe('interrupted (SIGINT)');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(existsSync(incompleteIn(env.cacheDir))).toBe(true);
  });
});
