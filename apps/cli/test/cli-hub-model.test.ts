import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPng } from '@denoise/image';
import { filesOf, startStandInHub, type StandInHub } from '@denoise/hub/testing';
import { fixture, runCli, tempDir } from './run-cli.js';

let hub: StandInHub;
const TOKEN = 'hf_cli_test_token';
beforeAll(async () => {
  const files = filesOf(fixture('diffusers-unet/ddpm-cifar10-32-tiny'));
  for (const path of [...files.keys()]) if (path.startsWith('cases') || path.endsWith('MANIFEST.json')) files.delete(path);
  // A Stable Diffusion repo as the Hub holds one: every component, fp16 variants, and files a run never needs.
  const pipeline = filesOf(fixture('diffusers-sd/sd1-tiny'));
  for (const path of [...pipeline.keys()]) if (path.startsWith('cases') || path.startsWith('e2e')) pipeline.delete(path);
  const index = JSON.parse(pipeline.get('model_index.json')!.toString('utf8')) as Record<string, unknown>;
  index['safety_checker'] = ['stable_diffusion', 'StableDiffusionSafetyChecker'];
  index['feature_extractor'] = ['transformers', 'CLIPImageProcessor'];
  pipeline.set('model_index.json', Buffer.from(JSON.stringify(index)));
  pipeline.set('safety_checker/config.json', Buffer.from('{}'));
  pipeline.set('safety_checker/model.safetensors', Buffer.alloc(1024));
  pipeline.set('v1-5-pruned-emaonly.ckpt', Buffer.alloc(2048));
  // An SDXL repo: two text encoders and two tokenizers.
  const sdxl = filesOf(fixture('diffusers-sd/sdxl-tiny'));
  for (const path of [...sdxl.keys()]) if (path.startsWith('cases') || path.startsWith('e2e')) sdxl.delete(path);
  hub = await startStandInHub([
    { id: 'google/ddpm-tiny', files },
    { id: 'acme/gated', files, token: TOKEN },
    { id: 'acme/sd-tiny', files: pipeline },
    { id: 'acme/sdxl-tiny', files: sdxl },
  ]);
});
afterAll(async () => {
  await hub?.close();
});

/** The environment of a user whose huggingface_hub cache is `cache` and whose hub is the stand-in. */
function hubEnv(cache: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HF_HUB_CACHE: cache, HF_ENDPOINT: hub.url, HF_HOME: join(cache, 'home'), ...extra };
  for (const key of ['HF_TOKEN', 'HF_HUB_OFFLINE', 'HUGGING_FACE_HUB_TOKEN']) if (!(key in extra)) delete env[key];
  return env;
}

describe('pnpm sample -- --model hf:OWNER/NAME', { timeout: 60_000 }, () => {
  it('downloads into the huggingface_hub cache and writes images whose metadata names the commit; then runs offline', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'denoise-hf-cache-'));
    const out = join(tempDir(), 'o');
    const run = await runCli(['--model', 'hf:google/ddpm-tiny', '--steps', '3', '--batch', '1', '--out', out], undefined, hubEnv(cache));
    expect(run.stderr).toMatch(/downloaded diffusion_pytorch_model\.safetensors: 0\.\d MiB/);
    expect(run.stderr).toMatch(new RegExp(`revision main = commit ${hub.commitOf('google/ddpm-tiny')}`));
    expect(run.code).toBe(0);
    const png = await readPng(join(out, 'sample-000.png'));
    expect(png.text['denoise:model']).toBe('hf:google/ddpm-tiny');
    expect(png.text['denoise:model-revision']).toBe(hub.commitOf('google/ddpm-tiny'));

    const requests = hub.requests.length;
    const offline = await runCli(['--model', 'hf:google/ddpm-tiny', '--steps', '3', '--batch', '1', '--out', join(tempDir(), 'o')], undefined, hubEnv(cache, { HF_HUB_OFFLINE: '1' }));
    expect(offline.code).toBe(0);
    expect(offline.stderr).toMatch(/all files cached/);
    expect(hub.requests.length).toBe(requests);

    // --verify-cache re-hashes what is cached; a blob changed in place (same size) is then an error offline.
    const verified = await runCli(['--model', 'hf:google/ddpm-tiny', '--verify-cache', '--steps', '2', '--batch', '1', '--out', join(tempDir(), 'o')], undefined, hubEnv(cache, { HF_HUB_OFFLINE: '1' }));
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toContain('hf:google/ddpm-tiny: re-hashed 2 cached file(s), 0.6 MiB\n');
    const blobs = join(cache, 'models--google--ddpm-tiny', 'blobs');
    const weights = readdirSync(blobs).map((name) => join(blobs, name)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const bytes = readFileSync(weights);
    bytes[4096] = bytes[4096]! ^ 0x10;
    writeFileSync(weights, bytes);
    const corrupt = await runCli(['--model', 'hf:google/ddpm-tiny', '--verify-cache', '--steps', '2', '--out', join(tempDir(), 'o')], undefined, hubEnv(cache, { HF_HUB_OFFLINE: '1' }));
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toContain(`the cached diffusion_pytorch_model.safetensors (${weights}) does not match its hash`);
  });

  it('a gated repo: exit 2 saying to set HF_TOKEN, nothing written; with HF_TOKEN it runs', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'denoise-hf-cache-'));
    const out = join(tempDir(), 'o');
    const refused = await runCli(['--model', 'hf:acme/gated', '--steps', '2', '--out', out], undefined, hubEnv(cache));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/hf:acme\/gated: no access \(HTTP 401\).*set HF_TOKEN/);
    expect(existsSync(out)).toBe(false);
    const allowed = await runCli(['--model', 'hf:acme/gated', '--steps', '2', '--out', out], undefined, hubEnv(cache, { HF_TOKEN: TOKEN }));
    expect(allowed.code).toBe(0);
  });

  it('offline with an empty cache: exit 2 naming the missing revision', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'denoise-hf-cache-'));
    const run = await runCli(['--model', 'hf:google/ddpm-tiny', '--steps', '2', '--out', join(tempDir(), 'o')], undefined, hubEnv(cache, { HF_HUB_OFFLINE: '1' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/HF_HUB_OFFLINE is set and revision 'main' of google\/ddpm-tiny is not in the cache/);
  });

  it('a Stable Diffusion pipeline: fetches each component’s config and one weights file (the fp16 ones with --variant fp16), the tokenizer and the scheduler; never the safety checker or a .ckpt', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'denoise-hf-cache-'));
    const out = join(tempDir(), 'o');
    const run = await runCli(['--model', 'hf:acme/sd-tiny', '--variant', 'fp16', '--prompt', 'a red bicycle', '--steps', '2', '--out', out], undefined, hubEnv(cache));
    expect(run.code, run.stderr).toBe(0);
    const fetched = /= commit [0-9a-f]+ \(downloaded ([^)]*)\)/.exec(run.stderr)?.[1]?.split(", ") ?? [];
    expect(fetched.sort()).toEqual(
      [
        'model_index.json',
        'scheduler/scheduler_config.json',
        'text_encoder/config.json',
        'text_encoder/model.fp16.safetensors',
        'tokenizer/merges.txt',
        'tokenizer/special_tokens_map.json',
        'tokenizer/tokenizer_config.json',
        'tokenizer/vocab.json',
        'unet/config.json',
        'unet/diffusion_pytorch_model.fp16.safetensors',
        'vae/config.json',
        'vae/diffusion_pytorch_model.fp16.safetensors',
      ].sort(),
    );
    expect(run.stderr).toMatch(/note: model_index\.json also names safety_checker, feature_extractor; denoise does not run them/);
    const png = await readPng(join(out, 'sample-000.png'));
    expect(png.text['denoise:model-revision']).toBe(hub.commitOf('acme/sd-tiny'));
    expect(png.text['denoise:prompt']).toBe('a red bicycle');
  });

  it('an SDXL pipeline: fetches both text encoders and both tokenizers, and makes the image the local folder makes', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'denoise-hf-cache-'));
    const args = ['--prompt', 'a red bicycle', '--steps', '2', '--original-size', '64,48'];
    const fromHub = join(tempDir(), 'hub');
    const run = await runCli(['--model', 'hf:acme/sdxl-tiny', ...args, '--out', fromHub], undefined, hubEnv(cache));
    expect(run.code, run.stderr).toBe(0);
    const fetched = /= commit [0-9a-f]+ \(downloaded ([^)]*)\)/.exec(run.stderr)?.[1]?.split(', ') ?? [];
    // tokenizer_2's vocab.json and merges.txt are tokenizer's bytes: one blob, downloaded once, linked twice.
    expect(fetched.filter((path) => /^(text_encoder_2|tokenizer_2)\//.test(path)).sort()).toEqual(
      ['text_encoder_2/config.json', 'text_encoder_2/model.safetensors', 'tokenizer_2/special_tokens_map.json', 'tokenizer_2/tokenizer_config.json'],
    );
    const snapshot = join(cache, 'models--acme--sdxl-tiny', 'snapshots', hub.commitOf('acme/sdxl-tiny'));
    for (const file of ['vocab.json', 'merges.txt']) expect(existsSync(join(snapshot, 'tokenizer_2', file)), file).toBe(true);
    const fromFolder = join(tempDir(), 'folder');
    const local = await runCli(['--model', fixture('diffusers-sd/sdxl-tiny'), ...args, '--out', fromFolder]);
    expect(local.code, local.stderr).toBe(0);
    const [a, b] = await Promise.all([readPng(join(fromHub, 'sample-000.png')), readPng(join(fromFolder, 'sample-000.png'))]);
    expect(Buffer.from(a.image.pixels).equals(Buffer.from(b.image.pixels))).toBe(true);
    expect(a.text['denoise:model-revision']).toBe(hub.commitOf('acme/sdxl-tiny'));
    expect(a.text['denoise:original-size']).toBe('64,48');
  });
});
