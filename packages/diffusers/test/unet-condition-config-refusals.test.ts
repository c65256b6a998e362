import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../src/config-reader.js';
import { parseUNet2DConditionConfig } from '../src/unet-condition-config.js';
import { unet2DConditionWeightShapes } from '../src/unet-condition-graph.js';
import { sdReferenceConfig } from './fixtures.js';

const base = () => sdReferenceConfig('sd1-tiny/unet');

function refusal(config: unknown): ModelConfigError {
  try {
    parseUNet2DConditionConfig(config, 'x/config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return error as ModelConfigError;
  }
  throw new Error('expected the config to be refused');
}

const parameters = (config: Record<string, unknown>) =>
  [...unet2DConditionWeightShapes(parseUNet2DConditionConfig(config)).values()].reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);

describe('parseUNet2DConditionConfig reads the published SD configs and refuses the rest by key', () => {
  it('SD 1.5 (860 M parameters, 8 heads everywhere), SD 2.1-base (heads per level of 64) and LCM Dreamshaper v7 (upcast_attention null)', () => {
    const sd15 = parseUNet2DConditionConfig(sdReferenceConfig('published/runwayml--stable-diffusion-v1-5/unet'));
    expect(sd15.attentionHeads).toEqual([8, 8, 8, 8]);
    expect(parameters(sdReferenceConfig('published/runwayml--stable-diffusion-v1-5/unet'))).toBe(859_520_964);
    const sd21 = parseUNet2DConditionConfig(sdReferenceConfig('published/stabilityai--stable-diffusion-2-1-base/unet'));
    expect(sd21).toMatchObject({ attentionHeads: [5, 10, 20, 20], useLinearProjection: true, crossAttentionDim: 1024 });
    expect(parseUNet2DConditionConfig(sdReferenceConfig('published/SimianLuo--LCM_Dreamshaper_v7/unet'))).toMatchObject({ upcastAttention: false, timeCondProjDim: 256 });
  });

  it('refuses SDXL, unknown keys and options denoise does not build, naming the key', () => {
    expect(refusal(sdReferenceConfig('published/stabilityai--stable-diffusion-xl-base-1.0/unet')).message).toMatch(/addition_embed_type "text_time" is not supported \(SDXL/);
    expect(refusal({ ...base(), frobnicate: 1 }).key).toBe('frobnicate');
    expect(refusal({ ...base(), num_attention_heads: 8 }).message).toMatch(/num_attention_heads 8 is not supported \(diffusers itself refuses it/);
    expect(refusal({ ...base(), class_embed_type: 'timestep' }).key).toBe('class_embed_type');
    expect(refusal({ ...base(), down_block_types: ['DownBlock2D', 'SimpleCrossAttnDownBlock2D'] }).message).toMatch(/down_block_types\[1\] "SimpleCrossAttnDownBlock2D" is not supported/);
    expect(refusal({ ...base(), mid_block_type: 'UNetMidBlock2DSimpleCrossAttn' }).key).toBe('mid_block_type');
  });

  it('refuses sizes that do not fit together or are implausible, before anything is built', () => {
    expect(refusal({ ...base(), attention_head_dim: 3 }).message).toMatch(/attention_head_dim \(the number of heads\) 3 does not divide block_out_channels\[0\] 16/);
    expect(refusal({ ...base(), cross_attention_dim: [8, 16] }).message).toMatch(/cross_attention_dim \[8,16\] differs between levels/);
    expect(refusal({ ...base(), layers_per_block: 100_000 }).message).toMatch(/layers_per_block 100000 must be an integer in \[1, 256\]/);
    expect(refusal({ ...base(), block_out_channels: [2 ** 40, 32] }).key).toBe('block_out_channels');
    expect(refusal({ ...base(), transformer_layers_per_block: [1, 2, 3] }).message).toMatch(/transformer_layers_per_block has 3 entries for 2 levels/);
    expect(refusal({ ...base(), conv_in_kernel: 4 }).message).toMatch(/conv_in_kernel 4 must be odd/);
    expect(refusal({ ...base(), sample_size: 'x'.repeat(10_000) }).message.length).toBeLessThan(300);
  });
});
