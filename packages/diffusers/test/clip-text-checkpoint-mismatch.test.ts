import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CheckpointMismatchError } from '../src/checkpoint-weights.js';
import { parseClipTextConfig } from '../src/clip-text-config.js';
import { buildClipTextGraph, clipTextWeightShapes } from '../src/clip-text-graph.js';
import { readSafetensors } from '../src/safetensors.js';
import type { WeightsFile, WeightTensor } from '../src/weights-file.js';
import { sdReferenceConfig, sdReferencePath } from './fixtures.js';

const folder = sdReferencePath('sd1-tiny/text_encoder');
const config = parseClipTextConfig(sdReferenceConfig('sd1-tiny/text_encoder'));

async function weightsWith(edit: (tensors: Map<string, WeightTensor>) => void): Promise<WeightsFile> {
  const file = await readSafetensors(join(folder, 'model.safetensors'));
  const tensors = new Map(file.tensors);
  edit(tensors);
  return { ...file, tensors };
}

function mismatch(weights: WeightsFile, options: { readonly withProjection?: boolean } = {}): CheckpointMismatchError {
  try {
    buildClipTextGraph(config, weights, options);
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    return error as CheckpointMismatchError;
  }
  throw new Error('the weights were accepted');
}

describe('a CLIP text checkpoint that does not fit config.json is refused, every weight named in full', () => {
  it('a missing weight', async () => {
    const error = mismatch(await weightsWith((t) => t.delete('text_model.encoder.layers.3.self_attn.k_proj.bias')));
    expect(error.problems).toEqual(["missing weight 'text_model.encoder.layers.3.self_attn.k_proj.bias' (expected shape [8])"]);
    expect(error.message).toMatch(/model\.safetensors: the weights do not fit config\.json/);
  });

  it('a mis-shaped weight', async () => {
    const error = mismatch(
      await weightsWith((t) => {
        const w = t.get('text_model.encoder.layers.0.mlp.fc1.weight')!;
        t.set(w.name, { ...w, shape: [8, 37] });
      }),
    );
    expect(error.problems).toEqual(["weight 'text_model.encoder.layers.0.mlp.fc1.weight' has shape [8, 37], expected [37, 8]"]);
  });

  it('a projection the config does not have, and one it needs', async () => {
    const extra = mismatch(
      await weightsWith((t) => {
        const w = t.get('text_model.final_layer_norm.weight')!;
        t.set('text_projection.weight', { ...w, name: 'text_projection.weight', shape: [8, 8], source: { kind: 'bytes', bytes: new Uint8Array(256) } });
      }),
    );
    expect(extra.problems).toEqual(["unexpected weight 'text_projection.weight': no part of this config uses it"]);
    expect(mismatch(await weightsWith(() => {}), { withProjection: true }).problems).toEqual(["missing weight 'text_projection.weight' (expected shape [8, 8])"]);
  });

  it("an old checkpoint's position_ids buffer (I64 [1, 77]) is accepted and not read, as transformers does", async () => {
    const weights = await weightsWith((t) =>
      t.set('text_model.embeddings.position_ids', {
        name: 'text_model.embeddings.position_ids',
        dtype: 'I64',
        shape: [1, 77],
        source: { kind: 'bytes', bytes: new Uint8Array(new BigInt64Array(Array.from({ length: 77 }, (_, i) => BigInt(i))).buffer) },
      }),
    );
    const { graph } = buildClipTextGraph(config, weights);
    expect(graph.initializers.map((i) => i.name)).not.toContain('text_model.embeddings.position_ids');
  });
});

describe('clipTextWeightShapes lists the state_dict of a config', () => {
  it('matches the reference checkpoints name for name and shape', async () => {
    for (const [path, withProjection] of [
      ['sd1-tiny/text_encoder', false],
      ['clip-with-projection/text_encoder_2', true],
    ] as const) {
      const file = await readSafetensors(join(sdReferencePath(path), 'model.safetensors'));
      const expected = new Map([...file.tensors].map(([name, t]) => [name, t.shape]));
      expect(new Map(clipTextWeightShapes(parseClipTextConfig(sdReferenceConfig(path)), { withProjection }))).toEqual(expected);
    }
  });

  it("gives SD 1.5's text encoder 123,060,480 parameters and SDXL's second 694,659,840", () => {
    const count = (path: string) =>
      [...clipTextWeightShapes(parseClipTextConfig(sdReferenceConfig(`published/${path}`))).values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(count('runwayml--stable-diffusion-v1-5/text_encoder')).toBe(123_060_480);
    expect(count('stabilityai--stable-diffusion-xl-base-1.0/text_encoder_2')).toBe(694_659_840);
  });
});
