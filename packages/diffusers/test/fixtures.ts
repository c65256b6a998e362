import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** fixtures/diffusers-unet/<name>: folders made by diffusers' UNet2DModel (see that folder's README). */
export function referenceFolder(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/diffusers-unet/${name}`, import.meta.url));
}

export function referenceConfig(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(referenceFolder(name), 'config.json'), 'utf8')) as Record<string, unknown>;
}

export function publishedConfig(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(referenceFolder(`published/${name}.config.json`), 'utf8')) as Record<string, unknown>;
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'denoise-diffusers-'));
}

/** fixtures/diffusers-sd/<path>: the Stable Diffusion reference folders (see that folder's README). */
export function sdReferencePath(path: string): string {
  return fileURLToPath(new URL(`../../../fixtures/diffusers-sd/${path}`, import.meta.url));
}

/** A config.json of fixtures/diffusers-sd, e.g. 'sd1-tiny/vae' or 'published/runwayml--stable-diffusion-v1-5/vae'. */
export function sdReferenceConfig(folder: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(sdReferencePath(folder), 'config.json'), 'utf8')) as Record<string, unknown>;
}

/**
 * Writes tensors of a safetensors file split over the shard files named (tensor i into shard i mod count, as
 * save_pretrained splits a checkpoint), into `dir`; the first `limit` tensors only, when given. Returns the weight map.
 */
export function writeShards(source: string, dir: string, shardFiles: readonly string[], limit?: number): Record<string, string> {
  const bytes = readFileSync(source);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const names = Object.keys(header).filter((n) => n !== '__metadata__').slice(0, limit);
  const map: Record<string, string> = {};
  shardFiles.forEach((file, s) => {
    const own: Record<string, unknown> = {};
    const parts: Buffer[] = [];
    let offset = 0;
    for (const name of names.filter((_, i) => i % shardFiles.length === s)) {
      const { dtype, shape, data_offsets: [begin, end] } = header[name]!;
      parts.push(bytes.subarray(8 + headerLength + begin, 8 + headerLength + end));
      own[name] = { dtype, shape, data_offsets: [offset, offset + end - begin] };
      offset += end - begin;
      map[name] = file;
    }
    const text = Buffer.from(JSON.stringify(own));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(text.length));
    writeFileSync(`${dir}/${file}`, Buffer.concat([length, text, ...parts]));
  });
  return map;
}
