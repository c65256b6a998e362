import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** fixtures/diffusers-unet/<name>: folders made by diffusers' UNet2DModel (see that folder's README). */
export function referenceFolder(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/diffusers-unet/${name}`, import.meta.url));
}

export function referenceConfig(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(referenceFolder(name), 'config.json'), 'utf8')) as Record<string, unknown>;
}

export function publishedConfig(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(referenceFolder(`published/${name}.config.json`), 'utf8')) as Record<string, unknown>;
}

/** fixtures/diffusers-sd/<path>: the Stable Diffusion reference folders (see that folder's README). */
export function sdReferenceFolder(path: string): string {
  return fileURLToPath(new URL(`../../../fixtures/diffusers-sd/${path}`, import.meta.url));
}

export function sdReferenceConfig(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(sdReferenceFolder(path), 'config.json'), 'utf8')) as Record<string, unknown>;
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'denoise-diffusers-'));
}
