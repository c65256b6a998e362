import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What marks the repository root: the pnpm workspace manifest. */
const WORKSPACE_MARKER = 'pnpm-workspace.yaml';

let root: string | undefined;

/**
 * The repository root: the nearest folder above this module holding pnpm-workspace.yaml. Found by looking rather
 * than by counting folders, so it is the same whether the module runs from src/ (vitest) or dist/src/ (node).
 */
export function repoRoot(): string {
  root ??= nearestFolderWith(fileURLToPath(import.meta.url), WORKSPACE_MARKER);
  return root;
}

/**
 * The folder of the package a module belongs to (the nearest folder above it holding package.json), for a
 * module that needs its own package's files whether it runs from src/ or dist/src/.
 */
export function packageDirOf(moduleUrl: string): string {
  return nearestFolderWith(fileURLToPath(moduleUrl), 'package.json');
}

function nearestFolderWith(file: string, marker: string): string {
  let dir = dirname(file);
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ${marker} in any folder above ${file}: denoise runs from its repository checkout`);
    dir = parent;
  }
}

/**
 * The Fashion-MNIST UNet that ships with the repository (fixtures/models/fmnist-unet): the default model of
 * `pnpm sample`, `pnpm bench` and `pnpm test:golden`.
 */
export function embeddedModelPath(): string {
  return join(repoRoot(), 'fixtures', 'models', 'fmnist-unet');
}

/** The Fashion-MNIST feature classifier and its reference statistics (fixtures/models/fmnist-classifier), for FID/KID. */
export function embeddedClassifierPath(): string {
  return join(repoRoot(), 'fixtures', 'models', 'fmnist-classifier');
}

/** fixtures/diffusers-unet/published: the config.json of published Hub checkpoints (no weights), for `synthetic:NAME`. */
export function publishedConfigsPath(): string {
  return join(repoRoot(), 'fixtures', 'diffusers-unet', 'published');
}

/**
 * The published architectures `synthetic:NAME` writes with random weights: UNet2DModel configs
 * (fixtures/diffusers-unet/published/NAME.config.json) and Stable Diffusion pipelines' configs
 * (fixtures/diffusers-sd/published/OWNER--NAME/), with the CLIP vocabulary every SD tokenizer shares.
 */
export function syntheticCatalog(): { readonly unetConfigs: string; readonly pipelines: string; readonly vocabulary: string } {
  return {
    unetConfigs: publishedConfigsPath(),
    pipelines: join(repoRoot(), 'fixtures', 'diffusers-sd', 'published'),
    vocabulary: join(repoRoot(), 'fixtures', 'diffusers-sd', 'sd1-tiny', 'tokenizer'),
  };
}

/** What the apps tell the runtime about this checkout when they load a model: the version, the synthetic catalog. */
export function repositoryModelOptions(): { readonly producerVersion: string; readonly syntheticCatalog: ReturnType<typeof syntheticCatalog> } {
  return { producerVersion: denoiseVersion(), syntheticCatalog: syntheticCatalog() };
}

let version: string | undefined;

/** denoise's version, from the root package.json (written into PNG metadata, bench results and built ONNX graphs). */
export function denoiseVersion(): string {
  if (version === undefined) {
    const path = join(repoRoot(), 'package.json');
    const read: unknown = (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;
    if (typeof read !== 'string') throw new Error(`${path}: "version" must be a string, got ${typeof read}`);
    version = read;
  }
  return version;
}
