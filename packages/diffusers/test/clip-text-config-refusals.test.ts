import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../src/config-reader.js';
import { parseClipTextConfig } from '../src/clip-text-config.js';
import { sdReferenceConfig } from './fixtures.js';

const PUBLISHED = [
  'runwayml--stable-diffusion-v1-5/text_encoder',
  'stabilityai--stable-diffusion-2-1-base/text_encoder',
  'stabilityai--stable-diffusion-xl-base-1.0/text_encoder',
  'stabilityai--stable-diffusion-xl-base-1.0/text_encoder_2',
  'SimianLuo--LCM_Dreamshaper_v7/text_encoder',
];

const base = () => sdReferenceConfig('sd1-tiny/text_encoder');

function refusal(config: unknown): ModelConfigError {
  try {
    parseClipTextConfig(config, 'x/config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return error as ModelConfigError;
  }
  throw new Error('the config was accepted');
}

describe('parseClipTextConfig refuses what the builder does not support, naming the key and what is allowed', () => {
  it('accepts the reference and published text encoder configs and reads them as transformers does', () => {
    for (const path of ['sd1-tiny/text_encoder', 'sd2-tiny/text_encoder', 'sdxl-tiny/text_encoder', 'clip-with-projection/text_encoder_2', ...PUBLISHED.map((p) => `published/${p}`)]) {
      expect(() => parseClipTextConfig(sdReferenceConfig(path), path)).not.toThrow();
    }
    expect(parseClipTextConfig(sdReferenceConfig('published/stabilityai--stable-diffusion-xl-base-1.0/text_encoder_2'))).toMatchObject({
      architecture: 'CLIPTextModelWithProjection',
      hiddenSize: 1280,
      numHiddenLayers: 32,
      numAttentionHeads: 20,
      projectionDim: 1280,
      hiddenAct: 'gelu',
      eosTokenId: 2,
    });
  });

  it("takes CLIPTextConfig's defaults for the keys a diff-form file leaves out", () => {
    expect(parseClipTextConfig({ model_type: 'clip_text_model' })).toEqual({
      architecture: undefined,
      vocabSize: 49408,
      hiddenSize: 512,
      intermediateSize: 2048,
      projectionDim: 512,
      numHiddenLayers: 12,
      numAttentionHeads: 8,
      maxPositionEmbeddings: 77,
      hiddenAct: 'quick_gelu',
      layerNormEps: 1e-5,
      bosTokenId: 49406,
      eosTokenId: 49407,
      padTokenId: 1,
    });
  });

  it('an unknown key', () => {
    const error = refusal({ ...base(), rope_theta: 10000 });
    expect(error.key).toBe('rope_theta');
    expect(error.message).toMatch(/^x\/config\.json: unknown key 'rope_theta'; CLIPTextConfig takes: vocab_size, hidden_size, /);
  });

  it('an activation other than quick_gelu and gelu', () => {
    const error = refusal({ ...base(), hidden_act: 'gelu_new' });
    expect(error.key).toBe('hidden_act');
    expect(error.message).toMatch(/hidden_act "gelu_new" is not supported; allowed: "quick_gelu", "gelu"/);
  });

  it('another model class or type', () => {
    expect(refusal({ ...base(), architectures: ['CLIPModel'] }).message).toMatch(
      /architectures \["CLIPModel"\] is not supported; allowed: \["CLIPTextModel"\], \["CLIPTextModelWithProjection"\]/,
    );
    expect(refusal({ ...base(), model_type: 'clip' }).message).toMatch(/model_type "clip" is not supported; allowed: "clip_text_model"/);
    expect(refusal({ ...base(), pruned_heads: { '0': [1] } }).key).toBe('pruned_heads');
  });

  it('sizes that do not fit together or are implausible, before anything is built', () => {
    expect(refusal({ ...base(), num_attention_heads: 3 }).message).toMatch(/hidden_size 8 is not divisible by num_attention_heads 3/);
    expect(refusal({ ...base(), num_hidden_layers: 100_000 }).message).toMatch(/num_hidden_layers 100000 must be an integer in \[1, 256\]/);
    expect(refusal({ ...base(), hidden_size: 1 << 20, num_attention_heads: 1 }).key).toBe('hidden_size');
    expect(refusal({ ...base(), vocab_size: 1e9 }).key).toBe('vocab_size');
    expect(refusal({ ...base(), max_position_embeddings: 1e6 }).key).toBe('max_position_embeddings');
    expect(refusal({ ...base(), intermediate_size: 0 }).message).toMatch(/intermediate_size 0 must be an integer in \[1, 65536\]/);
    expect(refusal({ ...base(), hidden_size: 8.5 }).key).toBe('hidden_size');
  });

  it('token ids and numbers of the wrong kind', () => {
    expect(refusal({ ...base(), eos_token_id: [2, 49407] }).message).toMatch(/eos_token_id \[2,49407\] must be an integer in \[0, 1048576\]/);
    expect(refusal({ ...base(), eos_token_id: 49408 }).message).toMatch(/eos_token_id 49408 must be < vocab_size 49408/);
    expect(refusal({ ...base(), layer_norm_eps: 0 }).key).toBe('layer_norm_eps');
    expect(refusal({ ...base(), dropout: 1.5 }).key).toBe('dropout');
    expect(parseClipTextConfig({ ...base(), pad_token_id: null }).padTokenId).toBeUndefined();
  });

  it('a config that is not an object', () => {
    expect(refusal([]).message).toMatch(/must be a JSON object, got an array/);
  });
});
