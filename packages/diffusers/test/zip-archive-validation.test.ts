import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTorchBin } from '../src/torch-bin.js';
import { WeightsFileError } from '../src/weights-file.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from '../src/zip-archive.js';
import { TORCH_BIN_FIXTURES } from './torch-bin-fixtures.js';

const VIEWS = `${TORCH_BIN_FIXTURES}views/views.bin`;
const VIEWS_DEFLATED = `${TORCH_BIN_FIXTURES}views/views-deflated.bin`;

async function withZip<T>(path: string, use: (entries: ReadonlyMap<string, ZipEntry>, read: (entry: ZipEntry) => Promise<Uint8Array>) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    const entries = await readZipDirectory(handle, path, (await handle.stat()).size);
    return await use(entries, (entry) => readZipEntry(handle, path, entry));
  } finally {
    await handle.close();
  }
}

/** Offsets of the central directory headers ('PK\x01\x02') in a zip's bytes. */
function centralHeaders(bytes: Buffer): number[] {
  const found: number[] = [];
  for (let at = bytes.indexOf('PK\x01\x02'); at >= 0; at = bytes.indexOf('PK\x01\x02', at + 1)) found.push(at);
  return found;
}

describe('readZipDirectory / readZipEntry on torch.save archives', () => {
  it('lists the entries of a torch 1.13 archive (ZIP64 end records) with their data offsets', async () => {
    await withZip(VIEWS, async (entries, read) => {
      const names = [...entries.keys()];
      expect(names[0]).toBe('views/data.pkl');
      expect(names.at(-1)).toBe('views/version');
      expect(names.filter((n) => n.startsWith('views/data/')).length).toBeGreaterThan(5);
      for (const entry of entries.values()) {
        expect(entry.method).toBe('stored');
        expect(entry.dataOffset % 64, entry.name).toBe(0); // torch pads local headers so data is 64-byte aligned
      }
      const pickle = await read(entries.get('views/data.pkl')!);
      expect([pickle[0], pickle[1], pickle.at(-1)]).toEqual([0x80, 0x02, 0x2e]); // PROTO 2 … STOP
      expect(new TextDecoder().decode(await read(entries.get('views/version')!))).toBe('3\n');
    });
  });

  it('inflates deflated entries to the same bytes as the stored ones', async () => {
    const stored = await withZip(VIEWS, async (entries, read) =>
      Promise.all([...entries.values()].map(async (e) => [e.name, await read(e)] as const)),
    );
    await withZip(VIEWS_DEFLATED, async (entries, read) => {
      expect([...entries.keys()]).toEqual(stored.map(([name]) => name));
      for (const [name, bytes] of stored) {
        const entry = entries.get(name)!;
        expect(entry.method, name).toBe('deflated');
        expect(await read(entry), name).toEqual(bytes);
      }
    });
  });
});

describe('readZipDirectory / readZipEntry: damaged archives', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'denoise-zip-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function damaged(source: string, name: string, damage: (bytes: Buffer, entries: ReadonlyMap<string, ZipEntry>) => void): Promise<string> {
    const bytes = await readFile(source);
    const entries = await withZip(source, async (e) => e);
    damage(bytes, entries);
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  }

  async function reason(path: string): Promise<string> {
    const error = await readTorchBin(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFileError);
    return (error as WeightsFileError).reason;
  }

  it('catches a flipped byte in a stored entry by its CRC-32', async () => {
    const path = await damaged(VIEWS, 'flipped.bin', (bytes, entries) => {
      bytes[entries.get('views/data.pkl')!.dataOffset + 40]! ^= 0x01;
    });
    expect(await reason(path)).toBe("zip entry 'views/data.pkl' fails its CRC-32 check; the file is corrupt");
  });

  it('catches a damaged deflate stream', async () => {
    const path = await damaged(VIEWS_DEFLATED, 'bad-deflate.bin', (bytes, entries) => {
      const entry = entries.get('views/data.pkl')!;
      bytes.fill(0xff, entry.dataOffset, entry.dataOffset + 8);
    });
    expect(await reason(path)).toMatch(/^zip entry 'views\/data\.pkl' (does not inflate to its \d+ bytes|holds \d+ bytes|fails its CRC-32 check)/);
  });

  it('refuses entries whose sizes make them overlap the next one', async () => {
    const path = await damaged(VIEWS, 'overlap.bin', (bytes) => {
      const first = centralHeaders(bytes)[0]!;
      const size = bytes.readUInt32LE(first + 20) + 200;
      bytes.writeUInt32LE(size, first + 20); // compressed size
      bytes.writeUInt32LE(size, first + 24); // uncompressed size
    });
    expect(await reason(path)).toBe("zip entries 'views/data.pkl' and 'views/data/0' overlap");
  });

  it('refuses an entry that runs into the central directory', async () => {
    const path = await damaged(VIEWS, 'past-end.bin', (bytes) => {
      const last = centralHeaders(bytes).at(-1)!;
      bytes.writeUInt32LE(1000, last + 20);
      bytes.writeUInt32LE(1000, last + 24);
    });
    expect(await reason(path)).toMatch(/^zip entry 'views\/version': 1000 bytes at \d+ run past the start of the central directory at \d+$/);
  });

  it('refuses compression methods other than stored and deflate, and stored entries whose sizes differ', async () => {
    const bzip2 = await damaged(VIEWS, 'bzip2.bin', (bytes) => bytes.writeUInt16LE(12, centralHeaders(bytes)[1]! + 10));
    expect(await reason(bzip2)).toBe("zip entry 'views/data/0' uses compression method 12; only 0 (stored) and 8 (deflate) are read");
    const sizes = await damaged(VIEWS, 'sizes.bin', (bytes) => bytes.writeUInt32LE(3, centralHeaders(bytes)[1]! + 20));
    expect(await reason(sizes)).toMatch(/^zip entry 'views\/data\/0' is stored but its sizes differ \(3 vs \d+\)$/);
  });

  it('refuses a data.pkl bigger than any state_dict needs before inflating it (a zip bomb)', async () => {
    const path = await damaged(VIEWS_DEFLATED, 'bomb.bin', (bytes) => bytes.writeUInt32LE(300 * 2 ** 20, centralHeaders(bytes)[0]! + 24));
    expect(await reason(path)).toBe("'views/data.pkl' is 314572800 bytes, more than a state_dict's pickle (limit 268435456)");
  });

  it('refuses a local header offset that points at something else', async () => {
    const path = await damaged(VIEWS, 'bad-local.bin', (bytes) => bytes.writeUInt32LE(7, centralHeaders(bytes)[1]! + 42));
    expect(await reason(path)).toBe("zip entry 'views/data/0': no local header at 7");
  });
});
