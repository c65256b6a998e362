// An environment that cannot work is named before any request (it used to surface as 'Invalid URL', an HTTP header
// error or ENOTDIR, with exit 1).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HubEnvironment } from '../src/hub-environment.js';
import { HubError } from '../src/hub-errors.js';
import { resolveHubModel } from '../src/resolve-hub-model.js';

const cacheDir = () => mkdtempSync(join(tmpdir(), 'denoise-hub-env-'));
const base = (): HubEnvironment => ({ cacheDir: cacheDir(), endpoint: 'http://127.0.0.1:9', offline: false });

async function problemOf(environment: HubEnvironment): Promise<HubError> {
  const error = await resolveHubModel('hf:acme/tiny', { environment }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HubError);
  return error as HubError;
}

describe('resolveHubModel: the environment is checked before any request', () => {
  it('HF_ENDPOINT that is not an http(s) URL', async () => {
    for (const endpoint of ['notaurl', 'ftp://mirror.invalid', '']) {
      const error = await problemOf({ ...base(), endpoint });
      expect(error.kind).toBe('environment');
      expect(error.message).toBe(`hf:acme/tiny: HF_ENDPOINT '${endpoint}' is not an http(s) URL (e.g. https://huggingface.co)`);
    }
  });

  it('a token with a line break inside (a token file of two lines)', async () => {
    const error = await problemOf({ ...base(), token: 'hf_abc\nxyz' });
    expect(error.kind).toBe('environment');
    expect(error.message).toContain('the token (HF_TOKEN, or the token file) has a line break or another blank inside');
  });

  it('HF_HUB_CACHE that is a file, online and offline', async () => {
    const file = join(cacheDir(), 'not-a-folder');
    writeFileSync(file, '');
    for (const offline of [false, true]) {
      const error = await problemOf({ ...base(), cacheDir: file, offline });
      expect(error.message).toBe(`hf:acme/tiny: HF_HUB_CACHE ${file} is not a folder`);
    }
  });

  it('offline, the endpoint and the token are not used, so not checked: the cache answers', async () => {
    const error = await problemOf({ ...base(), endpoint: 'notaurl', token: 'a b', offline: true });
    expect(error.kind).toBe('offline');
  });
});
