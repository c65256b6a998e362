// ProcessLock: one owner at a time across processes; a lock whose owner is gone (a dead pid on this host, or a lock
// of another host not refreshed for two minutes) is taken over; release removes only the process's own lock.
import { mkdtempSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ProcessLock } from '../src/process-lock.js';

const lockIn = () => join(mkdtempSync(join(tmpdir(), 'denoise-lock-')), 'x.lock');
const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('ProcessLock', () => {
  it('is taken once: a second try names the owner; after release it can be taken again', () => {
    const path = lockIn();
    const lock = ProcessLock.tryAcquire(path);
    expect(lock).toBeInstanceOf(ProcessLock);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    expect(ProcessLock.tryAcquire(path)).toEqual({ pid: process.pid, host: hostname() });
    (lock as ProcessLock).release();
    expect(existsSync(path)).toBe(false);
    expect(ProcessLock.tryAcquire(path)).toBeInstanceOf(ProcessLock);
  });

  it('takes over a lock of a dead pid, and one it cannot read', () => {
    for (const content of [JSON.stringify({ pid: deadPid(), host: hostname() }), '', 'not json']) {
      const path = lockIn();
      writeFileSync(path, content);
      expect(ProcessLock.tryAcquire(path)).toBeInstanceOf(ProcessLock);
    }
  });

  it("another host's lock is live until it goes two minutes without a refresh", () => {
    const path = lockIn();
    const owner = { pid: 1, host: `${hostname()}-elsewhere` };
    writeFileSync(path, JSON.stringify(owner));
    expect(ProcessLock.tryAcquire(path)).toEqual(owner);
    const past = Date.now() / 1000 - 121;
    utimesSync(path, past, past);
    expect(ProcessLock.tryAcquire(path)).toBeInstanceOf(ProcessLock);
  });

  it('release leaves a lock that another process took over meanwhile', () => {
    const path = lockIn();
    const lock = ProcessLock.tryAcquire(path) as ProcessLock;
    const other = JSON.stringify({ pid: process.ppid, host: hostname() });
    writeFileSync(path, other);
    lock.release();
    expect(readFileSync(path, 'utf8')).toBe(other);
  });

  it('acquire waits while the owner lives and ends with the signal', async () => {
    const path = lockIn();
    writeFileSync(path, JSON.stringify({ pid: process.ppid, host: hostname() }));
    const seen: number[] = [];
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('enough')), 300);
    await expect(ProcessLock.acquire(path, { signal: controller.signal, pollMs: 20, onWait: (o) => seen.push(o.pid) })).rejects.toThrow('enough');
    expect(seen).toEqual([process.ppid]);
  });
});
