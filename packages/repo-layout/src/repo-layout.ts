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
    if (parent === dir) throw new Error(`no ${marker} in any folder above ${file}: this needs denoise's repository checkout`);
    dir = parent;
  }
}

/**
 * Where the files denoise ships with live: in an installed package, the `assets/` folder that `pnpm pack:release`
 * puts into this package (the same sub-paths as fixtures/); in a checkout, the repository's fixtures/.
 */
export function shippedFilesDir(): string {
  const packaged = join(packageDirOf(import.meta.url), 'assets');
  return existsSync(packaged) ? packaged : join(repoRoot(), 'fixtures');
}

/**
 * The files of `shippedFilesDir` that installed packages need at run time (what pack:release copies into assets/):
 * the embedded model, its FID classifier, and what `synthetic:NAME` builds from.
 */
export const SHIPPED_PATHS: readonly string[] = [
  'models/fmnist-unet/config.json',
  'models/fmnist-unet/diffusion_pytorch_model.safetensors',
  'models/fmnist-unet/scheduler_config.json',
  'models/fmnist-classifier/model.onnx',
  'models/fmnist-classifier/reference-stats.json',
  'models/fmnist-classifier/reference-stats',
  'diffusers-unet/published',
  'diffusers-sd/published',
  'diffusers-sd/sd1-tiny/tokenizer',
];

/**
 * The Fashion-MNIST UNet that ships with denoise (models/fmnist-unet): the default model of `denoise sample`,
 * `denoise bench` and the repository's golden images.
 */
export function embeddedModelPath(): string {
  return join(shippedFilesDir(), 'models', 'fmnist-unet');
}

/** The Fashion-MNIST feature classifier and its reference statistics (models/fmnist-classifier), for FID/KID. */
export function embeddedClassifierPath(): string {
  return join(shippedFilesDir(), 'models', 'fmnist-classifier');
}

/** diffusers-unet/published: the config.json of published Hub checkpoints (no weights), for `synthetic:NAME`. */
export function publishedConfigsPath(): string {
  return join(shippedFilesDir(), 'diffusers-unet', 'published');
}

/**
 * The published architectures `synthetic:NAME` writes with random weights: UNet2DModel configs
 * (diffusers-unet/published/NAME.config.json) and Stable Diffusion pipelines' configs
 * (diffusers-sd/published/OWNER--NAME/), with the CLIP vocabulary every SD tokenizer shares.
 */
export function syntheticCatalog(): { readonly unetConfigs: string; readonly pipelines: string; readonly vocabulary: string } {
  return {
    unetConfigs: publishedConfigsPath(),
    pipelines: join(shippedFilesDir(), 'diffusers-sd', 'published'),
    vocabulary: join(shippedFilesDir(), 'diffusers-sd', 'sd1-tiny', 'tokenizer'),
  };
}

/** What the apps tell the runtime when they load a model: the version, the synthetic catalog. */
export function repositoryModelOptions(): { readonly producerVersion: string; readonly syntheticCatalog: ReturnType<typeof syntheticCatalog> } {
  return { producerVersion: denoiseVersion(), syntheticCatalog: syntheticCatalog() };
}

let version: string | undefined;

/**
 * denoise's version (written into PNG metadata, bench results and built ONNX graphs): this package's, which is the
 * root package.json's, as every package's is (version-source.test.ts), so that an installed package needs no root.
 */
export function denoiseVersion(): string {
  if (version === undefined) {
    const path = join(packageDirOf(import.meta.url), 'package.json');
    const read: unknown = (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;
    if (typeof read !== 'string') throw new Error(`${path}: "version" must be a string, got ${typeof read}`);
    version = read;
  }
  return version;
}
