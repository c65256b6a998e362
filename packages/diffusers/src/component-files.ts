import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DiffusersFolderError } from './model-folder.js';

/** Where one diffusers model component's files are (a `vae/` folder, say). */
export interface ComponentFiles {
  /** The folder holding config.json and the weights. */
  readonly dir: string;
  readonly configPath: string;
  readonly weightsPath: string;
  readonly weightsFormat: 'safetensors' | 'torch-bin';
}

const WEIGHTS_STEM = 'diffusion_pytorch_model';

/**
 * The config.json and weights of one component, as diffusers' from_pretrained(path, subfolder=component) finds
 * them: `path` is the component's own folder, or a pipeline folder (model_index.json) holding `<component>/`.
 * safetensors before `.bin`; with `variant` (e.g. 'fp16') the `diffusion_pytorch_model.<variant>.*` file.
 */
export async function locateComponentFiles(path: string, options: { readonly component: string; readonly variant?: string }): Promise<ComponentFiles> {
  const root = resolve(path);
  const dir = (await isFile(join(root, 'model_index.json'))) ? join(root, options.component) : root;
  const files = await listFiles(dir);
  if (!files.includes('config.json')) {
    const where = dir === root ? 'the folder' : `the pipeline's ${options.component}/ folder`;
    throw new DiffusersFolderError(dir, `${where} has no config.json: not a diffusers ${options.component} folder`);
  }
  const stem = options.variant ? `${WEIGHTS_STEM}.${options.variant}` : WEIGHTS_STEM;
  const weights = [`${stem}.safetensors`, `${stem}.bin`].find((f) => files.includes(f));
  if (!weights) {
    const present = files.filter((f) => f.startsWith(WEIGHTS_STEM));
    const sharded = present.find((f) => f.endsWith('.index.json'));
    const hint = sharded
      ? `; ${sharded} is a sharded checkpoint, which denoise does not read yet`
      : present.length > 0
        ? `; weights files here: ${present.join(', ')}${options.variant ? '' : ' (pass a variant such as fp16)'}`
        : '';
    throw new DiffusersFolderError(dir, `no ${stem}.safetensors or ${stem}.bin${hint}`);
  }
  return {
    dir,
    configPath: join(dir, 'config.json'),
    weightsPath: join(dir, weights),
    weightsFormat: weights.endsWith('.bin') ? 'torch-bin' : 'safetensors',
  };
}

/** The names of the folder's files (symbolic links to files included); none if it does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(join(dir, entry.name))))) files.push(entry.name);
  }
  return files;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
