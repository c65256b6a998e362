import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesOf, startStandInHub, type StandInHub } from '../src/testing/stand-in-hub.js';
import type { HubEnvironment } from '../src/hub-environment.js';

const reference = (name: string) => fileURLToPath(new URL(`../../../fixtures/diffusers-unet/${name}`, import.meta.url));
const scheduler = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet/scheduler_config.json', import.meta.url));

export const TOKEN = 'hf_stand_in_token';

/** The repos every hub test serves: layouts as the google/ddpm-* repos and diffusers pipelines have them. */
export function startHub(): Promise<StandInHub> {
  const tiny = filesOf(reference('ddpm-cifar10-32-tiny'));
  const withoutCases = (files: Map<string, Buffer>) => new Map([...files].filter(([p]) => !p.startsWith('cases') && !p.endsWith('MANIFEST.json')));
  const model = withoutCases(tiny);
  const schedulerJson = filesOf(scheduler.replace(/scheduler_config\.json$/, ''), '');
  const schedulerConfig = schedulerJson.get('scheduler_config.json')!;
  const index = (unet: string) => Buffer.from(JSON.stringify({ _class_name: 'DDPMPipeline', scheduler: ['diffusers', 'DDPMScheduler'], unet: ['diffusers', unet] }));
  // Flat, as google/ddpm-cifar10-32: everything at the root, plus files a UNet never needs.
  const flat = new Map([...model, ['scheduler_config.json', schedulerConfig], ['model_index.json', index('UNet2DModel')], ['images/generated_image.png', Buffer.alloc(5000, 7)], ['README.md', Buffer.from('# tiny\n')]]);
  // A pipeline folder: unet/ + scheduler/.
  const pipeline = new Map<string, Buffer>([['model_index.json', index('UNet2DModel')], ['scheduler/scheduler_config.json', schedulerConfig]]);
  for (const [path, data] of model) pipeline.set(`unet/${path}`, data);
  const conditional = new Map<string, Buffer>([['model_index.json', index('UNet2DConditionModel')], ['unet/config.json', Buffer.from('{}')]]);
  return startStandInHub([
    { id: 'google/ddpm-tiny', files: flat },
    { id: 'acme/pipeline-tiny', files: pipeline },
    { id: 'acme/gated-tiny', files: flat, token: TOKEN },
    { id: 'acme/sd-like', files: conditional },
    { id: 'acme/broken-index', files: new Map([['model_index.json', Buffer.from('{"_class_name": "DDPMPipeline",')], ['unet/config.json', Buffer.from('{}')]]) },
  ]);
}

export function environment(hub: StandInHub, overrides: Partial<HubEnvironment> = {}): HubEnvironment {
  return { cacheDir: mkdtempSync(join(tmpdir(), 'denoise-hub-cache-')), endpoint: hub.url, offline: false, ...overrides };
}

/** The tiny UNet's weights file, as google/ddpm-tiny serves it (an LFS file: its blob is named by its sha256). */
export const WEIGHTS = 'diffusion_pytorch_model.safetensors';
export const weightsData = readFileSync(new URL(`../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny/${WEIGHTS}`, import.meta.url));
export const weightsEtag = createHash('sha256').update(weightsData).digest('hex');
