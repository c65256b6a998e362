/** A golden case whose model is an hf: reference: the goldens pin the commit the revision resolved to. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPng } from '@denoise/image';
import { filesOf, startStandInHub, type StandInHub } from '@denoise/hub/testing';
import { readGoldenManifest } from '../src/golden-manifest.js';
import { updateGoldens } from '../src/golden-update.js';
import { repoRoot } from '../src/repo-paths.js';
import { BASE_CASE, tempDir, tempGoldens } from './temp-goldens.js';

let hub: StandInHub;
const saved = { ...process.env };
beforeAll(async () => {
  const files = filesOf(join(repoRoot(), 'fixtures/diffusers-unet/ddpm-cifar10-32-tiny'));
  for (const path of [...files.keys()]) if (path.startsWith('cases') || path.endsWith('MANIFEST.json')) files.delete(path);
  hub = await startStandInHub([{ id: 'google/ddpm-tiny', files }]);
  process.env['HF_ENDPOINT'] = hub.url;
  process.env['HF_HUB_CACHE'] = tempDir('denoise-hf-cache-');
  delete process.env['HF_HUB_OFFLINE'];
});
afterAll(async () => {
  process.env = saved;
  await hub?.close();
});

describe('golden cases on hf: models', () => {
  it('record the resolved commit in the manifest and the golden PNG', async () => {
    const { dir, manifestPath } = await tempGoldens([{ ...BASE_CASE, name: 'hub-ddim-4', model: 'hf:google/ddpm-tiny', steps: 4, batch: 1 }]);
    const update = await updateGoldens({ manifestPath });
    expect(update.changes.map((c) => c.state)).toEqual(['new']);
    const golden = (await readGoldenManifest(manifestPath)).cases[0]?.golden;
    expect(golden?.modelRevision).toBe(hub.commitOf('google/ddpm-tiny'));
    const png = await readPng(join(dir, 'golden', 'hub-ddim-4.png'));
    expect(png.text['denoise:model-revision']).toBe(hub.commitOf('google/ddpm-tiny'));
    expect(png.text['denoise:model']).toBe('hf:google/ddpm-tiny');
  });
});
