import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DiffusersFolderError, isDiffusersFolder, locateDiffusersUNet, type DiffusersUNetFolder } from '@denoise/diffusers';
import { parsePythonJson } from '@denoise/schedule';
import { ModelLoadError } from './model-errors.js';

/** An exported ONNX model, or a diffusers UNet2DModel folder whose graph is built at load. */
export type ModelFiles =
  | {
      readonly kind: 'onnx';
      readonly modelPath: string;
      /** scheduler_config.json beside the model (or in the diffusers `scheduler/` folder), when there is one. */
      readonly schedulerConfigPath?: string;
    }
  | { readonly kind: 'diffusers'; readonly modelPath: string; readonly folder: DiffusersUNetFolder; readonly schedulerConfigPath?: string };

/**
 * Where the model and its scheduler config are, for the layouts users have: a `.onnx` file (config:
 * `scheduler_config.json` beside it, if any), a folder with `model.onnx` + `scheduler_config.json`, a
 * diffusers-style folder with `unet/model.onnx` + `scheduler/scheduler_config.json`, and, with no ONNX file,
 * a diffusers UNet2DModel folder (config.json + weights) or pipeline folder (model_index.json + unet/).
 */
export async function locateModelFiles(path: string, options: { readonly variant?: string } = {}): Promise<ModelFiles> {
  if (path.trim() === '') throw new ModelLoadError("''", 'empty model path; pass a model folder or .onnx file');
  const kind = await pathKind(path);
  if (kind === 'missing') throw new ModelLoadError(path, 'no such file or folder');
  // A FIFO would hang the read, a device such as /dev/zero fill memory.
  if (kind === 'special') throw new ModelLoadError(path, 'not a regular file or folder (a FIFO, device or socket)');
  if (kind === 'file') return withConfig(path, join(dirname(path), 'scheduler_config.json'));
  const layouts: readonly [string, string][] = [
    [join(path, 'model.onnx'), join(path, 'scheduler_config.json')],
    [join(path, 'unet', 'model.onnx'), join(path, 'scheduler', 'scheduler_config.json')],
  ];
  for (const [model, config] of layouts) {
    if ((await pathKind(model)) === 'file') return withConfig(model, config);
  }
  if (await isDiffusersFolder(path)) {
    try {
      const folder = await locateDiffusersUNet(path, options);
      return {
        kind: 'diffusers',
        modelPath: folder.unetDir,
        folder,
        ...(folder.schedulerConfigPath ? { schedulerConfigPath: folder.schedulerConfigPath } : {}),
      };
    } catch (error) {
      if (error instanceof DiffusersFolderError) throw new ModelLoadError(error.path, error.reason, { cause: error });
      throw error;
    }
  }
  throw new ModelLoadError(
    path,
    'the folder holds no model: expected model.onnx, unet/model.onnx, a diffusers UNet folder (config.json + diffusion_pytorch_model.safetensors|.bin) or a pipeline folder (model_index.json + unet/)',
  );
}

async function withConfig(modelPath: string, configPath: string): Promise<ModelFiles> {
  return (await pathKind(configPath)) === 'file' ? { kind: 'onnx', modelPath, schedulerConfigPath: configPath } : { kind: 'onnx', modelPath };
}

async function pathKind(path: string): Promise<'file' | 'folder' | 'missing' | 'special'> {
  try {
    const stats = await stat(path);
    return stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'special';
  } catch {
    return 'missing';
  }
}

/**
 * A cheap check before onnxruntime parses the file: an ONNX ModelProto starts with field 1 (ir_version, varint),
 * byte 0x08. This tells "not an ONNX file" (a text file, a PNG, a .npy) apart from "truncated or corrupt".
 */
export async function assertLooksLikeOnnx(modelPath: string): Promise<void> {
  const handle = await open(modelPath, 'r');
  try {
    const head = Buffer.alloc(1);
    const { bytesRead } = await handle.read(head, 0, 1, 0);
    if (bytesRead === 0) throw new ModelLoadError(modelPath, 'the file is empty');
    if (head[0] !== 0x08) {
      throw new ModelLoadError(modelPath, `not an ONNX file (${basename(modelPath)} does not start with an ONNX ModelProto)`);
    }
  } finally {
    await handle.close();
  }
}

/**
 * What identifies each file's bytes without reading them: device, inode, size and modification time. Taken before a
 * load and compared after it (assertFilesUnchanged), so that a file replaced (renamed over) or rewritten while the
 * graph, the sessions and the provenance hash read it is caught instead of giving a run whose sha256 names bytes that
 * did not all run.
 */
export async function fileIdentities(paths: readonly string[]): Promise<string[]> {
  return Promise.all(paths.map(identityOf));
}

async function identityOf(path: string): Promise<string> {
  const s = await stat(path, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
}

/** Refuses the load (ModelLoadError naming the file) when a file is no longer the one fileIdentities saw. */
export async function assertFilesUnchanged(paths: readonly string[], before: readonly string[]): Promise<void> {
  const after = await Promise.all(paths.map((path) => identityOf(path).catch(() => 'gone')));
  const changed = paths.findIndex((_, i) => after[i] !== before[i]);
  if (changed >= 0) throw new ModelLoadError(paths[changed]!, 'the file was replaced or rewritten while it was loaded; run again once it is settled');
}

/** sha256 of one file, or of several files' bytes in order (a diffusers folder: config.json then the weights). */
export async function sha256File(...paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export async function readSchedulerConfig(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return parsePythonJson(text);
  } catch (error) {
    throw new ModelLoadError(path, `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
