import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CheckpointMismatchError } from '../src/checkpoint-weights.js';
import { readSafetensors } from '../src/safetensors.js';
import { parseAutoencoderKLConfig, type AutoencoderKLConfig } from '../src/vae-config.js';
import { autoencoderKLWeightShapes, buildVaeDecoderGraph, buildVaeEncoderGraph } from '../src/vae-graph.js';
import type { WeightsFile, WeightTensor } from '../src/weights-file.js';
import { sdReferenceConfig, sdReferencePath } from './fixtures.js';

const config = parseAutoencoderKLConfig(sdReferenceConfig('sd1-tiny/vae'));
const BUILDERS = { decoder: buildVaeDecoderGraph, encoder: buildVaeEncoderGraph } as const;

async function weightsWith(edit: (tensors: Map<string, WeightTensor>) => void, folder = 'sd1-tiny/vae'): Promise<WeightsFile> {
  const file = await readSafetensors(join(sdReferencePath(folder), 'diffusion_pytorch_model.safetensors'));
  const tensors = new Map(file.tensors);
  edit(tensors);
  return { ...file, tensors };
}

function rename(tensors: Map<string, WeightTensor>, from: string, to: string): void {
  const tensor = tensors.get(from)!;
  tensors.delete(from);
  tensors.set(to, { ...tensor, name: to });
}

function mismatch(part: keyof typeof BUILDERS, weights: WeightsFile, vae: AutoencoderKLConfig = config): CheckpointMismatchError {
  try {
    BUILDERS[part](vae, weights);
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    return error as CheckpointMismatchError;
  }
  throw new Error(`the ${part} accepted the weights`);
}

describe('the VAE decoder and encoder graphs refuse a checkpoint that does not fit, naming each weight in full', () => {
  it('each builds from the full checkpoint: the other part’s weights are not "unexpected"', async () => {
    const weights = await weightsWith(() => {});
    expect(buildVaeDecoderGraph(config, weights).signature).toMatchObject({ part: 'decoder', scaleFactor: 2, sizeMultiple: 1 });
    expect(buildVaeEncoderGraph(config, weights).signature).toMatchObject({ part: 'encoder', scaleFactor: 2, sizeMultiple: 2 });
  });

  it('a missing weight of the part being built', async () => {
    const noConv = await weightsWith((t) => t.delete('decoder.up_blocks.1.resnets.0.conv1.weight'));
    expect(mismatch('decoder', noConv).problems).toEqual(["missing weight 'decoder.up_blocks.1.resnets.0.conv1.weight' (expected shape [8, 16, 3, 3])"]);
    const noQuant = await weightsWith((t) => t.delete('quant_conv.bias'));
    expect(mismatch('encoder', noQuant).problems).toEqual(["missing weight 'quant_conv.bias' (expected shape [8])"]);
  });

  it('a mis-shaped weight, refused by both parts', async () => {
    const weights = await weightsWith((t) => {
      const w = t.get('encoder.mid_block.attentions.0.to_v.weight')!;
      t.set(w.name, { ...w, shape: [16, 4, 4] });
    });
    const expected = "weight 'encoder.mid_block.attentions.0.to_v.weight' has shape [16, 4, 4], expected [16, 16]";
    expect(mismatch('encoder', weights).problems).toEqual([expected]);
    expect(mismatch('decoder', weights).problems).toEqual([expected]);
  });

  it('a misspelt weight: missing in its part, unexpected in both', async () => {
    const weights = await weightsWith((t) => rename(t, 'encoder.down_blocks.0.downsamplers.0.conv.weight', 'encoder.down_blocks.0.downsamplers.0.op.weight'));
    expect(mismatch('encoder', weights).problems).toEqual([
      "missing weight 'encoder.down_blocks.0.downsamplers.0.conv.weight' (expected shape [8, 8, 3, 3])",
      "unexpected weight 'encoder.down_blocks.0.downsamplers.0.op.weight': no part of this config uses it",
    ]);
    expect(mismatch('decoder', weights).problems).toEqual(["unexpected weight 'encoder.down_blocks.0.downsamplers.0.op.weight': no part of this config uses it"]);
  });

  it('weights the config does not have: post_quant_conv with use_post_quant_conv false, the mid attention without it', async () => {
    const weights = await weightsWith(() => {});
    const noPostQuant = parseAutoencoderKLConfig({ ...sdReferenceConfig('sd1-tiny/vae'), use_post_quant_conv: false });
    const postQuant = ["unexpected weight 'post_quant_conv.weight': no part of this config uses it", "unexpected weight 'post_quant_conv.bias': no part of this config uses it"];
    expect([...mismatch('decoder', weights, noPostQuant).problems].sort()).toEqual(postQuant.sort());
    expect([...mismatch('encoder', weights, noPostQuant).problems].sort()).toEqual(postQuant.sort());
    const noAttention = parseAutoencoderKLConfig({ ...sdReferenceConfig('sd1-tiny/vae'), mid_block_add_attention: false });
    expect(mismatch('decoder', weights, noAttention).problems).toHaveLength(20);
  });

  it('the legacy attention names (query, key, value, proj_attn) of 2022 checkpoints are accepted', async () => {
    const weights = await weightsWith((t) => {
      for (const name of [...t.keys()]) {
        const legacy = name.replace('.to_q.', '.query.').replace('.to_k.', '.key.').replace('.to_v.', '.value.').replace('.to_out.0.', '.proj_attn.');
        if (legacy !== name) rename(t, name, legacy);
      }
    });
    expect([...weights.tensors.keys()].filter((n) => n.includes('.proj_attn.'))).toHaveLength(4);
    expect(() => buildVaeDecoderGraph(config, weights)).not.toThrow();
    expect(() => buildVaeEncoderGraph(config, weights)).not.toThrow();
  });
});

describe('autoencoderKLWeightShapes lists the state_dict of a config', () => {
  it('matches every reference checkpoint name for name and shape', async () => {
    for (const folder of ['sd1-tiny/vae', 'sd2-tiny/vae', 'sdxl-tiny/vae', 'vae-legacy-config', 'vae-no-mid-attn', 'vae-sdxl-scaling']) {
      const file = await weightsWith(() => {}, folder);
      const expected = new Map([...file.tensors].map(([name, t]) => [name, t.shape]));
      expect(new Map(autoencoderKLWeightShapes(parseAutoencoderKLConfig(sdReferenceConfig(folder)))), folder).toEqual(expected);
    }
  });

  it("gives SD 1.5's VAE its 83,653,863 parameters", () => {
    const shapes = autoencoderKLWeightShapes(parseAutoencoderKLConfig(sdReferenceConfig('published/runwayml--stable-diffusion-v1-5/vae')));
    expect([...shapes.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0)).toBe(83_653_863);
  });
});
