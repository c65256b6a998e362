import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DiffusersFolderError } from './model-folder.js';

/** Where a transformers CLIP text encoder's files are (a pipeline's text_encoder/ or text_encoder_2/ folder). */
export interface ClipTextFolder {
  readonly dir: string;
  readonly configPath: string;
  readonly weightsPath: string;
  readonly weightsFormat: 'safetensors' | 'torch-bin';
}

/**
 * Finds config.json and the weights of a text encoder folder as transformers' from_pretrained does for one file:
 * `model[.<variant>].safetensors` before `pytorch_model[.<variant>].bin`.
 */
export async function locateClipTextFolder(path: string, options: { readonly variant?: string } = {}): Promise<ClipTextFolder> {
  const dir = resolve(path);
  let files: string[];
  try {
    files = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch (error) {
    throw new DiffusersFolderError(dir, `cannot list the folder (${(error as Error).message})`);
  }
  if (!files.includes('config.json')) throw new DiffusersFolderError(dir, 'no config.json: not a transformers model folder');
  const infix = options.variant ? `.${options.variant}` : '';
  const candidates = [`model${infix}.safetensors`, `pytorch_model${infix}.bin`];
  const weights = candidates.find((name) => files.includes(name));
  if (!weights) {
    const present = files.filter((f) => /^(model|pytorch_model)[.-]/.test(f));
    const sharded = present.find((f) => f.endsWith('.index.json'));
    const hint = sharded
      ? `; ${sharded} is a sharded checkpoint, which denoise does not read yet`
      : present.length > 0
        ? `; weights files here: ${present.join(', ')}${options.variant ? '' : ' (pass a variant such as fp16)'}`
        : '';
    throw new DiffusersFolderError(dir, `no ${candidates.join(' or ')}${hint}`);
  }
  return {
    dir,
    configPath: join(dir, 'config.json'),
    weightsPath: join(dir, weights),
    weightsFormat: weights.endsWith('.bin') ? 'torch-bin' : 'safetensors',
  };
}
