import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { quote } from './config-reader.js';
import { isFile } from './folder-listing.js';
import { readSafetensors } from './safetensors.js';
import { WeightsFileError, type WeightTensor, type WeightsFile } from './weights-file.js';

/** The index of a sharded safetensors checkpoint is small; anything bigger is not one. */
const MAX_INDEX_BYTES = 64 * 2 ** 20;

/**
 * A sharded safetensors checkpoint (`*.safetensors.index.json` + its shards) read as one WeightsFile: every shard's
 * header is validated as a safetensors file, and the index must agree with the shards — each tensor in exactly one
 * shard, the one its `weight_map` names. Tensors stay ranges of their shard (onnxruntime reads them as external data).
 */
export async function readShardedSafetensors(indexPath: string): Promise<WeightsFile> {
  const absolute = resolve(indexPath);
  const fail = (reason: string): never => {
    throw new WeightsFileError(absolute, reason);
  };
  const text = await readFile(absolute);
  if (text.byteLength > MAX_INDEX_BYTES) fail(`${text.byteLength} bytes: too large for a shard index (limit ${MAX_INDEX_BYTES})`);
  let index: unknown;
  try {
    index = JSON.parse(text.toString('utf8'));
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`);
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return fail('no "weight_map" object');
  const entries = Object.entries(map as Record<string, unknown>);
  const shardNames = [...new Set(entries.map(([, shard]) => shard))];
  for (const shard of shardNames) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) {
      fail(`weight_map names ${quote(shard)}, not a file beside the index`);
    }
  }
  const tensors = new Map<string, WeightTensor>();
  let sizeBytes = 0;
  for (const shard of shardNames as string[]) {
    const path = join(dirname(absolute), shard);
    // Not there, not a regular file, or no file name at all (a NUL): the index is at fault, not the shard.
    if (!(await isFile(path))) fail(`weight_map names the shard ${quote(shard)}, which is not a file beside the index`);
    let file: WeightsFile;
    try {
      file = await readSafetensors(path);
    } catch (error) {
      // The shard's own fault, or the index naming a file that is no shard (its config.json): the message names both.
      if (error instanceof WeightsFileError) throw new WeightsFileError(error.path, `${error.reason} (a shard named by ${absolute})`, { cause: error });
      throw error;
    }
    sizeBytes += file.sizeBytes;
    for (const [name, tensor] of file.tensors) {
      if (tensors.has(name)) fail(`tensor ${quote(name)} is in more than one shard (again in ${shard})`);
      const listed = Object.hasOwn(map, name) ? (map as Record<string, unknown>)[name] : undefined;
      if (listed !== shard) fail(`tensor ${quote(name)} is in ${shard}, but weight_map says ${listed === undefined ? 'nothing' : quote(listed)}`);
      if (tensor.source.kind !== 'file-range') throw new Error(`internal error: a safetensors tensor that is not a file range`);
      tensors.set(name, { ...tensor, source: { ...tensor.source, file: file.path } });
    }
  }
  const missing = entries.filter(([name]) => !tensors.has(name)).map(([name]) => name);
  if (missing.length > 0) fail(`weight_map lists ${missing.length} tensor(s) no shard holds, e.g. ${quote(missing[0])}`);
  return { path: absolute, format: 'safetensors', sizeBytes, tensors };
}
