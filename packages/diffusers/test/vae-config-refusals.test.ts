import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../src/config-reader.js';
import { parseAutoencoderKLConfig } from '../src/vae-config.js';
import { sdReferenceConfig } from './fixtures.js';

const base = () => sdReferenceConfig('sd1-tiny/vae');

/** The refusal of `config`, which must name `key`. */
function refusal(config: unknown, key: string | undefined): ModelConfigError {
  try {
    parseAutoencoderKLConfig(config, 'vae/config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    expect((error as ModelConfigError).key).toBe(key);
    expect((error as ModelConfigError).message).toMatch(/^vae\/config\.json: /);
    if (key !== undefined) expect((error as ModelConfigError).message).toContain(key);
    return error as ModelConfigError;
  }
  throw new Error('the config was accepted');
}

describe('parseAutoencoderKLConfig refuses what the VAE builders do not support, naming the key', () => {
  it('accepts every reference and published VAE config; a 2022 config takes AutoencoderKL.__init__ defaults', () => {
    for (const folder of ['sd1-tiny/vae', 'sd2-tiny/vae', 'sdxl-tiny/vae', 'vae-legacy-config', 'vae-no-mid-attn', 'vae-sdxl-scaling']) {
      expect(() => parseAutoencoderKLConfig(sdReferenceConfig(folder))).not.toThrow();
    }
    for (const name of ['runwayml--stable-diffusion-v1-5', 'stabilityai--stable-diffusion-2-1-base', 'stabilityai--stable-diffusion-xl-base-1.0', 'SimianLuo--LCM_Dreamshaper_v7']) {
      expect(() => parseAutoencoderKLConfig(sdReferenceConfig(`published/${name}/vae`))).not.toThrow();
    }
    expect(parseAutoencoderKLConfig(sdReferenceConfig('vae-legacy-config'))).toMatchObject({
      scalingFactor: 0.18215,
      shiftFactor: undefined,
      forceUpcast: true,
      useQuantConv: true,
      usePostQuantConv: true,
      midBlockAddAttention: true,
      layersPerBlock: 2,
    });
    expect(parseAutoencoderKLConfig(sdReferenceConfig('published/stabilityai--stable-diffusion-xl-base-1.0/vae'))).toMatchObject({ scalingFactor: 0.13025, sampleSize: [1024, 1024] });
    // Absent keys take the class's own defaults, layers_per_block 1 included (the Encoder's own default is 2).
    expect(parseAutoencoderKLConfig({})).toMatchObject({ blockOutChannels: [64], layersPerBlock: 1, normNumGroups: 32, latentChannels: 4 });
    expect(parseAutoencoderKLConfig({ ...base(), shift_factor: 0.0609 }).shiftFactor).toBe(0.0609);
  });

  it('another model class', () => {
    expect(refusal({ ...base(), _class_name: 'AutoencoderTiny' }, '_class_name').message).toMatch(/_class_name is "AutoencoderTiny"; this builds AutoencoderKL/);
  });

  it('an unknown key', () => {
    expect(refusal({ ...base(), norm_type: 'spatial' }, 'norm_type').message).toMatch(/unknown key 'norm_type'; AutoencoderKL takes: in_channels, /);
  });

  it('other block types', () => {
    expect(refusal({ ...base(), down_block_types: ['DownEncoderBlock2D', 'AttnDownEncoderBlock2D'] }, 'down_block_types').message).toMatch(
      /down_block_types\[1\] "AttnDownEncoderBlock2D" is not supported; allowed: DownEncoderBlock2D/,
    );
    expect(refusal({ ...base(), up_block_types: ['UpDecoderBlock2D', 'UpBlock2D'] }, 'up_block_types').message).toMatch(/up_block_types\[1\] "UpBlock2D" is not supported; allowed: UpDecoderBlock2D/);
  });

  it('latents_mean / latents_std set (per-channel normalisation is not implemented)', () => {
    expect(refusal({ ...base(), latents_mean: [0.1, 0.2, 0.3, 0.4] }, 'latents_mean').message).toMatch(/latents_mean \[0\.1,0\.2,0\.3,0\.4\] is not supported \(.*\); only null/);
    expect(refusal({ ...base(), latents_std: [1, 1, 1, 1] }, 'latents_std').message).toMatch(/latents_std .* is not supported/);
  });

  it('channels not divisible by norm_num_groups, and mismatched list lengths', () => {
    expect(refusal({ ...base(), norm_num_groups: 3 }, 'block_out_channels').message).toMatch(/8 is not divisible by norm_num_groups 3/);
    expect(refusal({ ...base(), up_block_types: ['UpDecoderBlock2D'] }, 'up_block_types').message).toMatch(/up_block_types has 1 entries but block_out_channels has 2/);
    expect(refusal({ ...base(), down_block_types: ['DownEncoderBlock2D', 'DownEncoderBlock2D', 'DownEncoderBlock2D'] }, 'down_block_types').message).toMatch(/has 3 entries/);
  });

  it('implausible sizes, before anything is built', () => {
    expect(refusal({ ...base(), layers_per_block: 65 }, 'layers_per_block').message).toMatch(/layers_per_block 65 must be an integer in \[1, 64\]/);
    expect(refusal({ ...base(), block_out_channels: [8, 65_540] }, 'block_out_channels').message).toMatch(/must be a list of 1 to 16 integers in \[1, 65536\]/);
    expect(refusal({ ...base(), block_out_channels: new Array(17).fill(8) }, 'block_out_channels').message).toMatch(/1 to 16 integers/);
    expect(refusal({ ...base(), latent_channels: 1e9 }, 'latent_channels').message).toMatch(/latent_channels 1000000000 must be an integer in \[1, 65536\]/);
    expect(refusal({ ...base(), in_channels: 0 }, 'in_channels').message).toMatch(/in_channels 0 must be an integer in \[1, 65536\]/);
    expect(refusal({ ...base(), out_channels: 2.5 }, 'out_channels').message).toMatch(/out_channels 2\.5 must be an integer/);
  });

  it('unsupported or malformed option values', () => {
    expect(refusal({ ...base(), act_fn: 'gelu' }, 'act_fn').message).toMatch(/act_fn "gelu" is not supported; allowed: "silu", "swish"/);
    expect(refusal({ ...base(), scaling_factor: 0 }, 'scaling_factor').message).toMatch(/scaling_factor 0 must be > 0/);
    expect(refusal({ ...base(), scaling_factor: null }, 'scaling_factor').message).toMatch(/scaling_factor null must be a finite number/);
    expect(refusal({ ...base(), shift_factor: '0.1' }, 'shift_factor').message).toMatch(/shift_factor "0\.1" must be a finite number/);
    expect(refusal({ ...base(), force_upcast: 'yes' }, 'force_upcast').message).toMatch(/force_upcast "yes" must be true or false/);
    expect(refusal({ ...base(), use_quant_conv: 1 }, 'use_quant_conv').message).toMatch(/use_quant_conv 1 must be true or false/);
    expect(refusal({ ...base(), mid_block_add_attention: null }, 'mid_block_add_attention').message).toMatch(/mid_block_add_attention null must be true or false/);
    expect(refusal({ ...base(), sample_size: [32] }, 'sample_size').message).toMatch(/sample_size \[32\] must be an integer/);
  });

  it('a config that is not an object', () => {
    expect(refusal([], undefined).message).toMatch(/must be a JSON object, got an array/);
  });
});
