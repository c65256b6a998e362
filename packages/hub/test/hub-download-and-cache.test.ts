import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveHubModel } from '../src/resolve-hub-model.js';
import { HubError } from '../src/hub-errors.js';
import type { StandInHub } from '../src/testing/stand-in-hub.js';
import { environment, startHub } from './fixtures.js';

let hub: StandInHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.close();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** Repo paths whose content was requested (resolve or CDN routes; the CDN path repeats OWNER/NAME). */
const fetchedFiles = (requests: readonly string[]) =>
  requests
    .map((r) => /^GET \/(?:cdn\/[^/]+\/[^/]+|[^/]+\/[^/]+\/resolve\/[^/]+)\/(\S+)/.exec(r)?.[1])
    .filter((p): p is string => p !== undefined);

describe('hf: models through the real @huggingface/hub client, in Python huggingface_hub\'s cache layout', () => {
  it('first download: only the files the UNet needs, blobs by sha256 / git id, relative snapshot links, refs/main', async () => {
    const env = environment(hub);
    const before = hub.requests.length;
    const resolved = await resolveHubModel('hf:google/ddpm-tiny', { environment: env });
    const commit = hub.commitOf('google/ddpm-tiny');
    expect(resolved).toMatchObject({ commit, revision: 'main', offline: false });
    expect(resolved.files).toEqual(['model_index.json', 'config.json', 'scheduler_config.json', 'diffusion_pytorch_model.safetensors']);
    expect(new Set(fetchedFiles(hub.requests.slice(before)))).toEqual(new Set(resolved.files));
    const repoDir = join(env.cacheDir, 'models--google--ddpm-tiny');
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(commit);
    const weights = join(repoDir, 'snapshots', commit, 'diffusion_pytorch_model.safetensors');
    expect(lstatSync(weights).isSymbolicLink()).toBe(true);
    const data = readFileSync(weights);
    expect(readlinkSync(weights)).toBe(join('..', '..', 'blobs', sha256(data)));
    expect(resolved.localPath).toBe(join(repoDir, 'snapshots', commit));
  });

  it('a second run with HF_HUB_OFFLINE=1 resolves from the cache without a single request', async () => {
    const env = environment(hub);
    const online = await resolveHubModel('hf:acme/pipeline-tiny', { environment: env });
    expect(online.files).toEqual(['model_index.json', 'unet/config.json', 'scheduler/scheduler_config.json', 'unet/diffusion_pytorch_model.safetensors']);
    const before = hub.requests.length;
    const offline = await resolveHubModel('hf:acme/pipeline-tiny', { environment: { ...env, offline: true } });
    expect(hub.requests.length).toBe(before);
    expect(offline).toMatchObject({ commit: online.commit, localPath: online.localPath, offline: true, downloaded: [] });
  });

  it('offline, a snapshot file that links out of the repo\'s blobs/ is refused naming it, not read', async () => {
    const env = environment(hub);
    const online = await resolveHubModel('hf:acme/pipeline-tiny', { environment: env });
    const pointer = join(online.localPath, 'unet', 'config.json');
    const outside = join(env.cacheDir, 'planted-config.json');
    writeFileSync(outside, readFileSync(pointer));
    rmSync(pointer);
    symlinkSync(outside, pointer);
    const offline = resolveHubModel('hf:acme/pipeline-tiny', { environment: { ...env, offline: true } });
    await expect(offline).rejects.toThrow(`${pointer} leads to ${outside}, outside `);
    await expect(offline).rejects.toMatchObject({ kind: 'corrupt' });
  });

  it('uses a cache written the way Python huggingface_hub writes it, with no request', async () => {
    const env = environment(hub);
    const commit = 'c0ffee'.padEnd(40, '0');
    const repoDir = join(env.cacheDir, 'models--someone--handmade');
    const files: Record<string, Buffer> = {
      'config.json': readFileSync(new URL('../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny/config.json', import.meta.url)),
      'diffusion_pytorch_model.safetensors': readFileSync(new URL('../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny/diffusion_pytorch_model.safetensors', import.meta.url)),
    };
    const { mkdirSync, symlinkSync } = await import('node:fs');
    mkdirSync(join(repoDir, 'blobs'), { recursive: true });
    mkdirSync(join(repoDir, 'snapshots', commit), { recursive: true });
    mkdirSync(join(repoDir, 'refs'), { recursive: true });
    for (const [path, data] of Object.entries(files)) {
      const etag = path.endsWith('.json') ? createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex') : sha256(data);
      writeFileSync(join(repoDir, 'blobs', etag), data);
      symlinkSync(join('..', '..', 'blobs', etag), join(repoDir, 'snapshots', commit, path));
    }
    writeFileSync(join(repoDir, 'refs', 'main'), commit);
    const before = hub.requests.length;
    const byRef = await resolveHubModel('hf:someone/handmade', { environment: { ...env, offline: true } });
    const byCommit = await resolveHubModel(`hf:someone/handmade@${commit}`, { environment: env });
    expect(hub.requests.length).toBe(before);
    for (const resolved of [byRef, byCommit]) {
      expect(resolved).toMatchObject({ commit, localPath: join(repoDir, 'snapshots', commit), files: ['config.json', 'diffusion_pytorch_model.safetensors'] });
    }
  });

  it('an interrupted download leaves only blobs/<sha256>.incomplete, and the next run resumes it with a Range request', async () => {
    const env = environment(hub);
    hub.faults.cutAfterBytes.set('diffusion_pytorch_model.safetensors', 200_000);
    const first = await resolveHubModel('hf:google/ddpm-tiny', { environment: env }).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(HubError);
    expect((first as HubError).message).toMatch(/the download of diffusion_pytorch_model\.safetensors was interrupted .*run again to resume it/);
    const data = readFileSync(new URL('../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny/diffusion_pytorch_model.safetensors', import.meta.url));
    const blob = join(env.cacheDir, 'models--google--ddpm-tiny', 'blobs', sha256(data));
    expect(existsSync(blob)).toBe(false);
    const partial = statSync(`${blob}.incomplete`).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(data.length);
    const before = hub.requests.length;
    const progress: number[] = [];
    const second = await resolveHubModel('hf:google/ddpm-tiny', { environment: env, onProgress: (p) => p.path.endsWith('.safetensors') && progress.push(p.resumedFromBytes) });
    expect(second.downloaded).toContain('diffusion_pytorch_model.safetensors');
    expect(hub.requests.slice(before)).toContain(`GET /cdn/google/ddpm-tiny/diffusion_pytorch_model.safetensors bytes=${partial}-${data.length - 1}`);
    expect(progress[0]).toBe(partial);
    expect(readFileSync(blob).equals(data)).toBe(true);
    expect(existsSync(`${blob}.incomplete`)).toBe(false);
  });

  it('a corrupt download is detected by its sha256 and discarded; a cached blob of the wrong size is fetched again', async () => {
    const env = environment(hub);
    hub.faults.corrupt.add('diffusion_pytorch_model.safetensors');
    try {
      await expect(resolveHubModel('hf:google/ddpm-tiny', { environment: env })).rejects.toThrow(
        /diffusion_pytorch_model\.safetensors: its sha256 is [0-9a-f]{64}, the hub lists [0-9a-f]{64}: the download is corrupt and was discarded/,
      );
    } finally {
      hub.faults.corrupt.delete('diffusion_pytorch_model.safetensors');
    }
    const data = readFileSync(new URL('../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny/diffusion_pytorch_model.safetensors', import.meta.url));
    const blob = join(env.cacheDir, 'models--google--ddpm-tiny', 'blobs', sha256(data));
    expect(existsSync(blob) || existsSync(`${blob}.incomplete`)).toBe(false);
    await resolveHubModel('hf:google/ddpm-tiny', { environment: env });
    truncateSync(blob, 1000);
    const lines: string[] = [];
    const again = await resolveHubModel('hf:google/ddpm-tiny', { environment: env, log: (l) => lines.push(l) });
    expect(again.downloaded).toEqual(['diffusion_pytorch_model.safetensors']);
    expect(lines.join('\n')).toMatch(/the cached diffusion_pytorch_model\.safetensors did not match the hub's size or hash; fetched it again/);
    expect(readFileSync(blob).equals(data)).toBe(true);
  });

  it('--variant fp16 fetches the fp16 weights instead', async () => {
    const resolved = await resolveHubModel('hf:google/ddpm-tiny', { environment: environment(hub), variant: 'fp16' });
    expect(resolved.files).toContain('diffusion_pytorch_model.fp16.safetensors');
    expect(resolved.files).not.toContain('diffusion_pytorch_model.safetensors');
  });
});

describe('the errors users hit say what to do', () => {
  it('a model_index.json that is not JSON: a corrupt HubError naming it (was a raw SyntaxError)', async () => {
    const error = await resolveHubModel('hf:acme/broken-index', { environment: environment(hub) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).kind).toBe('corrupt');
    expect((error as HubError).message).toMatch(/^hf:acme\/broken-index: model_index\.json is not valid JSON \(/);
  });

  it('an unknown repo or revision', async () => {
    await expect(resolveHubModel('hf:nobody/nothing', { environment: environment(hub) })).rejects.toThrow(/no model repo nobody\/nothing with revision 'main' at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/);
    await expect(resolveHubModel('hf:google/ddpm-tiny@v9', { environment: environment(hub) })).rejects.toThrow(/revision 'v9' .*HTTP 404/);
  });

  it('a gated repo without a token says to set HF_TOKEN; with the token it downloads', async () => {
    await expect(resolveHubModel('hf:acme/gated-tiny', { environment: environment(hub) })).rejects.toThrow(/no access \(HTTP 401\): .* no token was sent; set HF_TOKEN/);
    await expect(resolveHubModel('hf:acme/gated-tiny', { environment: environment(hub, { token: 'hf_wrong' }) })).rejects.toThrow(/the token in HF_TOKEN was refused/);
    const { TOKEN } = await import('./fixtures.js');
    const resolved = await resolveHubModel('hf:acme/gated-tiny', { environment: environment(hub, { token: TOKEN }) });
    expect(resolved.commit).toBe(hub.commitOf('acme/gated-tiny'));
  });

  it('a repo whose unet is not a UNet2DModel names the classes found', async () => {
    await expect(resolveHubModel('hf:acme/sd-like', { environment: environment(hub) })).rejects.toThrow(
      /unet is a UNet2DConditionModel, is not supported; denoise runs StableDiffusionPipeline, StableDiffusionImg2ImgPipeline, LatentConsistencyModelPipeline, StableDiffusionXLPipeline and pipelines whose unet is a UNet2DModel \(components: scheduler: DDPMScheduler, unet: UNet2DConditionModel\)/,
    );
  });

  it('no network: names HF_HUB_OFFLINE and what is cached; a cached snapshot is used with a note', async () => {
    const env = environment(hub);
    const down = { ...env, endpoint: 'http://127.0.0.1:9' };
    await expect(resolveHubModel('hf:google/ddpm-tiny', { environment: down })).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9 .*set HF_HUB_OFFLINE=1 to use the cache, which holds: nothing/);
    await resolveHubModel('hf:google/ddpm-tiny', { environment: env });
    const lines: string[] = [];
    const resolved = await resolveHubModel('hf:google/ddpm-tiny', { environment: down, log: (l) => lines.push(l) });
    expect(resolved.commit).toBe(hub.commitOf('google/ddpm-tiny'));
    expect(lines.join('\n')).toMatch(/is unreachable; using the cached snapshot/);
  });

  it('offline with nothing cached names the revision and the cache', async () => {
    await expect(resolveHubModel('hf:google/ddpm-tiny', { environment: environment(hub, { offline: true }) })).rejects.toThrow(
      /HF_HUB_OFFLINE is set and revision 'main' of google\/ddpm-tiny is not in the cache \(.*models--google--ddpm-tiny\); cached: nothing/,
    );
  });
});

describe('verifyCache: cached blobs re-hashed on demand', () => {
  const WEIGHTS = 'diffusion_pytorch_model.safetensors';
  /** A cache whose weights blob has one byte flipped: the right size, the wrong content. */
  async function corruptedCache(): Promise<{ env: ReturnType<typeof environment>; blob: string; good: Buffer }> {
    const env = environment(hub);
    const resolved = await resolveHubModel('hf:google/ddpm-tiny', { environment: env });
    const blob = join(resolved.localPath, '..', '..', 'blobs', readlinkSync(join(resolved.localPath, WEIGHTS)).split('/').pop()!);
    const good = readFileSync(blob);
    const bad = Buffer.from(good);
    bad[1000] = bad[1000]! ^ 0x01;
    writeFileSync(blob, bad);
    return { env, blob, good };
  }

  it('without it, a blob of the right size is trusted (as huggingface_hub does); with it, a mismatch is fetched again', async () => {
    const { env, blob, good } = await corruptedCache();
    const trusted = await resolveHubModel('hf:google/ddpm-tiny', { environment: env });
    expect(trusted.verified).toBeUndefined();
    expect(readFileSync(blob).equals(good)).toBe(false);
    const logs: string[] = [];
    const verified = await resolveHubModel('hf:google/ddpm-tiny', { environment: env, verifyCache: true, log: (line) => logs.push(line) });
    expect(readFileSync(blob).equals(good)).toBe(true);
    expect(verified.verified).toEqual({ files: 4, bytes: verified.files.reduce((sum, path) => sum + statSync(join(verified.localPath, path)).size, 0), repaired: [WEIGHTS] });
    expect(verified.downloaded).toEqual([WEIGHTS]);
    expect(logs).toContain(`hf:google/ddpm-tiny: the cached ${WEIGHTS} did not match the hub's size or hash; fetched it again`);
    const clean = await resolveHubModel('hf:google/ddpm-tiny', { environment: env, verifyCache: true });
    expect(clean.verified?.repaired).toEqual([]);
    expect(clean.downloaded).toEqual([]);
  });

  it('offline, a mismatch is an error naming the file and the blob; matching blobs are counted', async () => {
    const { env, blob, good } = await corruptedCache();
    const offline = { ...env, offline: true };
    const error = await resolveHubModel('hf:google/ddpm-tiny', { environment: offline, verifyCache: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).kind).toBe('corrupt');
    expect((error as HubError).message).toContain(`the cached ${WEIGHTS} (${blob}) does not match its hash: its content hashes to ${sha256(readFileSync(blob))}`);
    writeFileSync(blob, good);
    const verified = await resolveHubModel('hf:google/ddpm-tiny', { environment: offline, verifyCache: true });
    expect(verified.verified).toMatchObject({ files: 4, repaired: [] });
  });
});
