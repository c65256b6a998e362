import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotRegularFileError, readNpy, readPng, readRegularFile } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'denoise-regular-file-'));

describe('readRegularFile (readPng, readNpy)', () => {
  it('refuses a FIFO without waiting for a writer, and a link to /dev/zero without reading it', async () => {
    const fifo = join(dir, 'pipe.png');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const zero = join(dir, 'zero.npy');
    symlinkSync('/dev/zero', zero);
    await expect(readPng(fifo)).rejects.toThrow(new NotRegularFileError(fifo, 'a FIFO'));
    await expect(readNpy(zero)).rejects.toThrow(`${zero}: is a device, not a regular file`);
    await expect(readRegularFile(dir)).rejects.toMatchObject({ code: 'ENOTREG', kind: 'a folder' });
  });

  it('reads a regular file whole, and leaves ENOENT as it is', async () => {
    const bytes = await readRegularFile(new URL('../package.json', import.meta.url).pathname);
    expect(JSON.parse(bytes.toString('utf8')).name).toBe('@denoise/image');
    await expect(readRegularFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
