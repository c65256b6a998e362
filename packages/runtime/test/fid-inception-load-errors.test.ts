import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFidInception, ModelLoadError } from '../src/index.js';

/**
 * loadFidInception refuses what is not pytorch-fid's weights file with a ModelLoadError that names the file and
 * what differs: a missing path, a folder, a file that is no checkpoint, a truncated one, the reference's partial
 * samples and a UNet's weights.
 */
const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

async function refusal(path: string): Promise<ModelLoadError> {
  const error = await loadFidInception(path).then(
    async (extractor) => {
      await extractor.dispose();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

describe('loadFidInception refusals', () => {
  it('names the file and the problem', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'denoise-fid-errors-'));
    try {
      const missing = join(scratch, 'pt_inception.pth');
      expect((await refusal(missing)).message).toBe(`${missing}: no such file`);
      expect((await refusal(scratch)).message).toBe(`${scratch}: not a regular file`);
      const text = join(scratch, 'notes.pth');
      await writeFile(text, 'not a checkpoint');
      expect((await refusal(text)).message).toMatch(/notes\.pth: is not a PyTorch checkpoint/);
      const truncated = join(scratch, 'truncated.safetensors');
      await writeFile(truncated, Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0x7b]));
      expect((await refusal(truncated)).message).toMatch(/^\S*truncated\.safetensors: /);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('lists the missing weights of a partial file and refuses a UNet’s weights', async () => {
    const sample = join(FIXTURES, 'torch-bin', 'fid-inception', 'sample-zip.pth');
    const partial = await refusal(sample);
    expect(partial.path).toBe(sample);
    expect(partial.message).toContain("missing weight 'Conv2d_2a_3x3.conv.weight' (expected shape [32, 32, 3, 3])");
    const unet = join(FIXTURES, 'diffusers-unet', 'ddpm-cifar10-32-tiny', 'diffusion_pytorch_model.safetensors');
    expect((await refusal(unet)).message).toMatch(/the weights do not fit pytorch-fid's FID Inception-v3[\s\S]*in all: 470 missing, \d+ unexpected/);
  });
});
