/**
 * Advisory locks between processes, kept as files: a lock file holds its owner's pid and host and appears
 * complete or not at all (written under a temporary name, then hard-linked into place, which fails if the name
 * exists). A lock whose owner is gone is taken over: on the same host, when the pid no longer runs (a SIGKILLed
 * run never releases); on another host (a shared cache), when the owner has not refreshed it for STALE_AFTER_MS.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who holds a lock. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
}

/** How often a holder refreshes its lock's time while it works, so that another host sees it alive. */
const REFRESH_MS = 10_000;
/** A lock of another host that was not refreshed for this long belongs to a run that is gone. */
const STALE_AFTER_MS = 12 * REFRESH_MS;

export class ProcessLock {
  private refreshedAt = Date.now();
  private released = false;

  private constructor(readonly path: string) {}

  /** Takes the lock at `path` at once, or returns the live owner that holds it. Synchronous. */
  static tryAcquire(path: string): ProcessLock | LockOwner {
    const self: LockOwner = { pid: process.pid, host: hostname() };
    const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temporary, JSON.stringify(self));
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        try {
          linkSync(temporary, path);
          return new ProcessLock(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const owner = liveOwner(path);
        if (owner !== undefined) return owner;
        rmSync(path, { force: true }); // its owner is gone: take it over
      }
      return liveOwner(path) ?? self; // lost three races in a row: someone else keeps taking it
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  /**
   * Waits for the lock at `path`, polling every `pollMs` while its owner lives; `onWait` is told the owner once.
   * The signal ends the wait (its reason is thrown).
   */
  static async acquire(path: string, options: { signal?: AbortSignal; pollMs?: number; onWait?: (owner: LockOwner) => void } = {}): Promise<ProcessLock> {
    let told = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const result = ProcessLock.tryAcquire(path);
      if (result instanceof ProcessLock) return result;
      if (!told) options.onWait?.(result);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  }

  /** Tells other hosts the owner still works; cheap to call often (it touches the file at most every REFRESH_MS). */
  refresh(): void {
    const now = Date.now();
    if (this.released || now - this.refreshedAt < REFRESH_MS) return;
    this.refreshedAt = now;
    try {
      utimesSync(this.path, now / 1000, now / 1000);
    } catch {
      // removed by someone who judged it stale: nothing to refresh
    }
  }

  /** Removes the lock if it is still this process's; synchronous (safe in a signal handler), never throws. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      const owner = readOwner(this.path);
      if (owner?.pid === process.pid && owner.host === hostname()) rmSync(this.path, { force: true });
    } catch {
      // already gone
    }
  }
}

/** The owner recorded at `path` if it still runs, else undefined (also for a lock that cannot be read). */
function liveOwner(path: string): LockOwner | undefined {
  let owner: LockOwner | undefined;
  let modifiedMs: number;
  try {
    owner = readOwner(path);
    modifiedMs = statSync(path).mtimeMs;
  } catch {
    return undefined; // released meanwhile
  }
  if (owner === undefined) return undefined;
  if (owner.host !== hostname()) return Date.now() - modifiedMs < STALE_AFTER_MS ? owner : undefined;
  return processRuns(owner.pid) ? owner : undefined;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return Number.isSafeInteger(value.pid) && typeof value.host === 'string' ? { pid: value.pid!, host: value.host } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    return undefined; // not a lock this code wrote
  }
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
