import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic-write.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'denoise-atomic-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes bytes and strings, replacing an existing file, leaving only the target', async () => {
    const path = join(dir, 'out.bin');
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    await writeFileAtomic(path, 'héllo');
    expect(await readFile(path, 'utf8')).toBe('héllo');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('fails naming the path when the directory is missing, and creates nothing', async () => {
    const path = join(dir, 'missing', 'out.png');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(`cannot write ${path}: ENOENT`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes its temporary file when the final rename fails (target is a directory)', async () => {
    const path = join(dir, 'taken');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'k');
    const error = await writeFileAtomic(path, 'new').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`cannot write ${path}`);
    expect((error as Error).cause).toMatchObject({ code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/) });
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readdir(path)).toEqual(['keep']);
  });

  it('keeps the old target intact when writing the data fails', async () => {
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old');
    await expect(writeFileAtomic(path, 42 as unknown as string)).rejects.toThrow(`cannot write ${path}`);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['out.txt']);
  });

  it('never exposes a half-written target to a concurrent reader', async () => {
    const path = join(dir, 'big.bin');
    const size = 4 << 20;
    await writeFileAtomic(path, Buffer.alloc(size, 0x61));
    let writing = true;
    const reads: number[] = [];
    const reader = (async () => {
      while (writing) {
        const bytes = await readFile(path);
        reads.push(bytes.length);
        expect(bytes.length).toBe(size);
        expect(bytes[0] === bytes[size - 1]).toBe(true);
      }
    })();
    for (const fill of [0x62, 0x63, 0x64]) await writeFileAtomic(path, Buffer.alloc(size, fill));
    writing = false;
    await reader;
    expect(reads.length).toBeGreaterThan(0);
    expect((await readFile(path))[size - 1]).toBe(0x64);
    expect(await readdir(dir)).toEqual(['big.bin']);
  });
});
