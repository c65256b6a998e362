import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWeightsFile } from '../src/component-model.js';
import { encodeOnnxModel } from '../src/encode-onnx-model.js';
import { parseUNet2DConditionConfig } from '../src/unet-condition-config.js';
import { buildUNet2DConditionGraph } from '../src/unet-condition-graph.js';
import { readWeightBytes } from '../src/read-weight-bytes.js';
import { readSafetensors } from '../src/safetensors.js';
import { scratchDir, writeShards } from './fixtures.js';

const UNET = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sd1-tiny/unet', import.meta.url));

/** Writes the tensors of a safetensors file split over `count` shards, with the index diffusers' save_pretrained writes. */
function shard(source: string, dir: string, count: number, edit: (map: Record<string, string>) => void = () => {}): string {
  const map = writeShards(source, dir, Array.from({ length: count }, (_, s) => `diffusion_pytorch_model-0000${s + 1}-of-0000${count}.safetensors`));
  edit(map);
  const index = join(dir, 'diffusion_pytorch_model.safetensors.index.json');
  writeFileSync(index, JSON.stringify({ metadata: { total_size: 0 }, weight_map: map }));
  return index;
}

describe('sharded safetensors checkpoints (index + shards) read as one weights file', () => {
  it('every tensor has the bytes of the unsharded file; the graph names each tensor’s shard as its external data', async () => {
    const dir = scratchDir();
    const index = shard(join(UNET, 'diffusion_pytorch_model.safetensors'), dir, 3);
    const whole = await readSafetensors(join(UNET, 'diffusion_pytorch_model.safetensors'));
    const sharded = await readWeightsFile(index, 'safetensors');
    expect([...sharded.tensors.keys()].sort()).toEqual([...whole.tensors.keys()].sort());
    for (const [name, tensor] of whole.tensors) {
      const other = sharded.tensors.get(name)!;
      expect(other.shape).toEqual(tensor.shape);
      expect(Buffer.from(await readWeightBytes(sharded, other)).equals(Buffer.from(await readWeightBytes(whole, tensor)))).toBe(true);
    }
    const config = parseUNet2DConditionConfig(JSON.parse(readFileSync(join(UNET, 'config.json'), 'utf8')));
    const encoded = await encodeOnnxModel(buildUNet2DConditionGraph(config, sharded).graph, sharded, { storage: 'external', producerVersion: '0' });
    expect(encoded.externalDataFolder).toBe(dir);
    const text = Buffer.from(encoded.bytes).toString('latin1');
    for (const s of [1, 2, 3]) expect(text).toContain(`diffusion_pytorch_model-0000${s}-of-00003.safetensors`);
  });

  it('refuses an index that disagrees with its shards, naming the tensor', async () => {
    const wrongShard = shard(join(UNET, 'diffusion_pytorch_model.safetensors'), scratchDir(), 2, (map) => {
      const name = Object.keys(map)[0]!;
      map[name] = map[name]!.replace('00001', '00002');
    });
    await expect(readWeightsFile(wrongShard, 'safetensors')).rejects.toThrow(/is in diffusion_pytorch_model-00001-of-00002\.safetensors, but weight_map says/);
    const phantom = shard(join(UNET, 'diffusion_pytorch_model.safetensors'), scratchDir(), 2, (map) => {
      map['ghost.weight'] = 'diffusion_pytorch_model-00001-of-00002.safetensors';
    });
    await expect(readWeightsFile(phantom, 'safetensors')).rejects.toThrow(/weight_map lists 1 tensor\(s\) no shard holds, e.g. "ghost.weight"/);
    const escape = shard(join(UNET, 'diffusion_pytorch_model.safetensors'), scratchDir(), 2, (map) => {
      map[Object.keys(map)[0]!] = '../outside.safetensors';
    });
    await expect(readWeightsFile(escape, 'safetensors')).rejects.toThrow(/not a file beside the index/);
  });
});
