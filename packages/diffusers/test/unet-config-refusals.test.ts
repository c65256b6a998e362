import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../src/config-reader.js';
import { parseUNet2DConfig } from '../src/unet-config.js';
import { publishedConfig, referenceConfig } from './fixtures.js';

const base = () => referenceConfig('ddpm-cifar10-32-tiny');

function refusal(config: Record<string, unknown>): ModelConfigError {
  try {
    parseUNet2DConfig(config, 'x/config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return error as ModelConfigError;
  }
  throw new Error('the config was accepted');
}

describe('parseUNet2DConfig refuses what the builder does not support, naming the key and what is allowed', () => {
  it('accepts every published hub config and reads google/ddpm-cifar10-32 as diffusers does', () => {
    for (const name of ['ddpm-cifar10-32', 'ddpm-celebahq-256', 'ddpm-church-256', 'ddpm-bedroom-256', 'ddpm-cat-256', 'ddpm-butterflies-32px', 'ddpm-butterflies-128']) {
      expect(() => parseUNet2DConfig(publishedConfig(name))).not.toThrow();
    }
    const cifar = parseUNet2DConfig(publishedConfig('ddpm-cifar10-32'));
    expect(cifar).toMatchObject({ sampleSize: [32, 32], freqShift: 1, flipSinToCos: false, downsamplePadding: 0, normEps: 1e-6, attentionHeadDim: undefined });
    // Keys the 0.0.4-era file omits take diffusers' defaults.
    expect(cifar).toMatchObject({ addAttention: true, resnetTimeScaleShift: 'default', midBlockType: 'UNetMidBlock2D', downsampleType: 'conv' });
  });

  it('an unsupported block type', () => {
    const error = refusal({ ...base(), down_block_types: ['DownBlock2D', 'SkipDownBlock2D', 'DownBlock2D', 'DownBlock2D'] });
    expect(error.key).toBe('down_block_types');
    expect(error.message).toMatch(/x\/config\.json: down_block_types\[1\] "SkipDownBlock2D" is not supported; allowed: DownBlock2D, AttnDownBlock2D, ResnetDownsampleBlock2D/);
  });

  it('an unknown key', () => {
    expect(refusal({ ...base(), cross_attention_dim: 768 }).message).toMatch(/unknown key 'cross_attention_dim'; UNet2DModel takes: sample_size, /);
  });

  it('another model class', () => {
    expect(refusal({ ...base(), _class_name: 'UNet2DConditionModel' }).message).toMatch(/_class_name is "UNet2DConditionModel"; this builds UNet2DModel/);
  });

  it('unsupported values of the option keys', () => {
    expect(refusal({ ...base(), act_fn: 'gelu' }).message).toMatch(/act_fn "gelu" is not supported; allowed: "silu", "swish", "mish"/);
    expect(refusal({ ...base(), resnet_time_scale_shift: 'spatial' }).message).toMatch(/resnet_time_scale_shift "spatial"/);
    expect(refusal({ ...base(), norm_num_groups: null }).message).toMatch(/norm_num_groups null must be an integer in \[1, /);
    expect(refusal({ ...base(), norm_num_groups: 3 }).message).toMatch(/8 is not divisible by norm_num_groups 3/);
    expect(refusal({ ...base(), up_block_types: ['UpBlock2D'] }).message).toMatch(/up_block_types has 1 entries but block_out_channels has 4/);
    expect(refusal({ ...base(), time_embedding_type: 'learned' }).message).toMatch(/'learned' needs num_train_timesteps/);
    expect(refusal({ ...base(), sample_size: [16] }).message).toMatch(/sample_size \[16\] must be an integer/);
    expect(refusal({ ...base(), mid_block_type: 'UNetMidBlock2DCrossAttn' }).message).toMatch(/mid_block_type "UNetMidBlock2DCrossAttn" is not supported/);
  });

  it('a config that is not an object', () => {
    expect(refusal([] as unknown as Record<string, unknown>).message).toMatch(/must be a JSON object, got an array/);
  });
});
