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
import { scratchDir } from './fixtures.js';

const UNET = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sd1-tiny/unet', import.meta.url));

/** Writes the tensors of a safetensors file split over `count` shards, with the index diffusers' save_pretrained writes. */
function shard(source: string, dir: string, count: number, edit: (map: Record<string, string>) => void = () => {}): string {
  const bytes = readFileSync(source);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  const map: Record<string, string> = {};
  for (let s = 0; s < count; s++) {
    const file = `diffusion_pytorch_model-0000${s + 1}-of-0000${count}.safetensors`;
    const mine = names.filter((_, i) => i % count === s);
    const parts: Buffer[] = [];
    const own: Record<string, unknown> = {};
    let offset = 0;
    for (const name of mine) {
      const { dtype, shape, data_offsets: [begin, end] } = header[name]!;
      parts.push(bytes.subarray(8 + headerLength + begin, 8 + headerLength + end));
      own[name] = { dtype, shape, data_offsets: [offset, offset + end - begin] };
      offset += end - begin;
      map[name] = file;
    }
    const text = Buffer.from(JSON.stringify(own));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(text.length));
    writeFileSync(join(dir, file), Buffer.concat([length, text, ...parts]));
  }
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
