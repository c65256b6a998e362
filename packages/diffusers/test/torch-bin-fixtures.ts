/** Paths of the committed fixtures the torch-bin tests read (made by tools/denoise_tools/make_torch_bin_fixtures/make.py). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TORCH_BIN_FIXTURES = fileURLToPath(new URL('../../../fixtures/torch-bin/', import.meta.url));
export const TINY_UNET_FIXTURE = fileURLToPath(new URL('../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny/', import.meta.url));

export function readFixtureJson<T>(relativePath: string): T {
  return JSON.parse(readFileSync(TORCH_BIN_FIXTURES + relativePath, 'utf8')) as T;
}
