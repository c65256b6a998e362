import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in the workspace (packages/runtime/{src,dist/src}/). */
export function workspaceRoot(): URL {
  return new URL(import.meta.url.includes('/dist/') ? '../../../../' : '../../../', import.meta.url);
}

/**
 * The Fashion-MNIST UNet that ships with the repository (fixtures/models/fmnist-unet): the default model of
 * `pnpm sample`, `pnpm bench` and `pnpm test:golden`.
 */
export function embeddedModelPath(): string {
  return fileURLToPath(new URL('fixtures/models/fmnist-unet', workspaceRoot()));
}

/** The Fashion-MNIST feature classifier and its reference statistics (fixtures/models/fmnist-classifier), for FID/KID. */
export function embeddedClassifierPath(): string {
  return fileURLToPath(new URL('fixtures/models/fmnist-classifier', workspaceRoot()));
}

let version: string | undefined;
/** denoise's version, from the root package.json (written into PNG metadata and bench results). */
export function denoiseVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('package.json', workspaceRoot()), 'utf8')) as { version: string }).version;
  return version;
}
