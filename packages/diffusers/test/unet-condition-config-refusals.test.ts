import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../src/config-reader.js';
import { parseUNet2DConditionConfig } from '../src/unet-condition-config.js';
import { unet2DConditionWeightShapes } from '../src/unet-condition-graph.js';
import { readSafetensors } from '../src/safetensors.js';
import { join } from 'node:path';
import { sdReferenceConfig, sdReferencePath } from './fixtures.js';

const base = () => sdReferenceConfig('sd1-tiny/unet');
const sdxl = () => sdReferenceConfig('published/stabilityai--stable-diffusion-xl-base-1.0/unet');

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

  it("SDXL base: 2,567,463,684 parameters, transformer depths 1/2/10 per level, and text_time's text_embeds 2816 − 6·256 = 1280 wide", () => {
    expect(parseUNet2DConditionConfig(sdxl())).toMatchObject({
      transformerLayersPerBlock: [1, 2, 10],
      attentionHeads: [5, 10, 20],
      crossAttentionDim: 2048,
      upcastAttention: false,
      additionEmbed: { type: 'text_time', timeEmbedDim: 256, inputDim: 2816, textEmbedsDim: 1280 },
    });
    expect(parameters(sdxl())).toBe(2_567_463_684);
    expect(parseUNet2DConditionConfig(sdReferenceConfig('sdxl-tiny/unet')).additionEmbed).toEqual({ type: 'text_time', timeEmbedDim: 4, inputDim: 36, textEmbedsDim: 12 });
  });

  it('lists the state_dict of every reference UNet name for name and shape', async () => {
    for (const folder of ['sd1-tiny/unet', 'sd2-tiny/unet', 'lcm-tiny/unet', 'sdxl-tiny/unet']) {
      const file = await readSafetensors(join(sdReferencePath(folder), 'diffusion_pytorch_model.safetensors'));
      const expected = new Map([...file.tensors].map(([name, t]) => [name, t.shape]));
      expect(new Map(unet2DConditionWeightShapes(parseUNet2DConditionConfig(sdReferenceConfig(folder)))), folder).toEqual(expected);
    }
  });

  it('refuses the other added embeddings and text_time widths that do not fit, naming the key', () => {
    for (const type of ['text', 'text_image', 'image', 'image_hint']) {
      const error = refusal({ ...sdxl(), addition_embed_type: type });
      expect(error.key).toBe('addition_embed_type');
      expect(error.message).toMatch(new RegExp(`addition_embed_type "${type}" is not supported; allowed: "text_time", null`));
    }
    expect(refusal({ ...sdxl(), projection_class_embeddings_input_dim: 1536 }).message).toMatch(
      /projection_class_embeddings_input_dim 1536 must be text_embeds' width \+ 6 time ids × addition_time_embed_dim 256 = 1536 \+ a width ≥ 1/,
    );
    expect(refusal({ ...sdxl(), addition_time_embed_dim: null }).key).toBe('addition_time_embed_dim');
    expect(refusal({ ...sdxl(), projection_class_embeddings_input_dim: null }).key).toBe('projection_class_embeddings_input_dim');
    expect(refusal({ ...base(), addition_time_embed_dim: 256 }).message).toMatch(/addition_time_embed_dim 256 is not supported \(read only with addition_embed_type "text_time"\)/);
    expect(refusal({ ...base(), projection_class_embeddings_input_dim: 2816 }).key).toBe('projection_class_embeddings_input_dim');
    expect(refusal({ ...sdxl(), reverse_transformer_layers_per_block: [[10, 10, 10], [2, 2, 2], [1, 1, 1]] }).key).toBe('reverse_transformer_layers_per_block');
    expect(refusal({ ...sdxl(), transformer_layers_per_block: [[1, 1], [2, 2], [10, 10]] }).key).toBe('transformer_layers_per_block');
  });

  it('refuses unknown keys and options denoise does not build, naming the key', () => {
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
