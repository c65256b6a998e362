import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/safetensors.js';
import { buildUNet2DGraph, unet2DWeightShapes } from '../src/unet-graph.js';
import { parseUNet2DConfig } from '../src/unet-config.js';
import { CheckpointMismatchError } from '../src/checkpoint-weights.js';
import type { WeightsFile } from '../src/weights-file.js';
import { join } from 'node:path';
import { publishedConfig, referenceConfig, referenceFolder } from './fixtures.js';

const folder = referenceFolder('ddpm-cifar10-32-tiny');
const config = parseUNet2DConfig(referenceConfig('ddpm-cifar10-32-tiny'));

async function weightsWith(edit: (tensors: Map<string, WeightsFile['tensors'] extends ReadonlyMap<string, infer T> ? T : never>) => void): Promise<WeightsFile> {
  const file = await readSafetensors(join(folder, 'diffusion_pytorch_model.safetensors'));
  const tensors = new Map(file.tensors);
  edit(tensors);
  return { ...file, tensors };
}

function mismatch(weights: WeightsFile): CheckpointMismatchError {
  try {
    buildUNet2DGraph(config, weights);
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    return error as CheckpointMismatchError;
  }
  throw new Error('the weights were accepted');
}

describe('a checkpoint that does not fit config.json is refused, every weight named in full', () => {
  it('a missing weight', async () => {
    const error = mismatch(await weightsWith((t) => t.delete('down_blocks.1.attentions.0.to_k.weight')));
    expect(error.problems).toEqual(["missing weight 'down_blocks.1.attentions.0.to_k.weight' (expected shape [16, 16])"]);
  });

  it('a mis-shaped weight', async () => {
    const error = mismatch(
      await weightsWith((t) => {
        const w = t.get('up_blocks.0.resnets.2.conv1.weight')!;
        t.set(w.name, { ...w, shape: [16, 32, 9] });
      }),
    );
    expect(error.message).toMatch(/weight 'up_blocks\.0\.resnets\.2\.conv1\.weight' has shape \[16, 32, 9\], expected \[16, 32, 3, 3\]/);
  });

  it('an extra, unexpected weight', async () => {
    const error = mismatch(
      await weightsWith((t) => {
        const w = t.get('conv_in.bias')!;
        t.set('down_blocks.9.resnets.0.conv1.bias', { ...w, name: 'down_blocks.9.resnets.0.conv1.bias' });
      }),
    );
    expect(error.problems).toEqual(["unexpected weight 'down_blocks.9.resnets.0.conv1.bias': no part of this config uses it"]);
  });

  it('weights of another config: all problems at once, in one error', async () => {
    const other = parseUNet2DConfig({ ...referenceConfig('ddpm-cifar10-32-tiny'), block_out_channels: [8, 16, 16, 32] });
    const weights = await weightsWith(() => {});
    expect(() => buildUNet2DGraph(other, weights)).toThrow(CheckpointMismatchError);
    try {
      buildUNet2DGraph(other, weights);
    } catch (error) {
      expect((error as CheckpointMismatchError).problems.length).toBeGreaterThan(10);
    }
  });
});

describe('unet2DWeightShapes lists the state_dict of a config', () => {
  it('matches the reference checkpoint name for name and shape', async () => {
    const file = await readSafetensors(join(folder, 'diffusion_pytorch_model.safetensors'));
    const expected = new Map([...file.tensors].map(([name, t]) => [name, t.shape]));
    expect(new Map(unet2DWeightShapes(config))).toEqual(expected);
  });

  it('gives the published parameter counts: google/ddpm-cifar10-32 35.7 M, ddpm-celebahq-256 113.7 M', () => {
    const count = (name: string) => [...unet2DWeightShapes(parseUNet2DConfig(publishedConfig(name))).values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(count('ddpm-cifar10-32')).toBe(35_746_307);
    expect(count('ddpm-celebahq-256')).toBe(113_673_219);
  });
});
