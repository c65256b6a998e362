/** Runs golden cases in a new Node.js process (the built fresh-run-main.js) and collects their float hashes. */
import { spawn } from 'node:child_process';
import { parseFreshReport } from './fresh-report.js';
import { freshRunScript } from './repo-paths.js';

/** A fresh process working through the cases; each hash is available as soon as that case has run. */
export interface FreshProcessRun {
  /** sha256 of the case's x_0 float32 bytes, as computed by the other process. */
  floatSha256(caseName: string): Promise<string>;
  /** Resolves when the process has exited 0 and every case has reported. */
  readonly done: Promise<void>;
  /** Ends the process if it is still running (e.g. when `-t` left most cases unasked). */
  stop(): void;
}

export function runInFreshProcess(manifestPath: string, caseNames: readonly string[] = []): FreshProcessRun {
  const script = freshRunScript();
  const pending = new Map<string, { promise: Promise<string>; resolve: (hash: string) => void; reject: (error: Error) => void }>();
  let exited: Error | undefined; // why cases not reported by now never will be
  const entry = (caseName: string) => {
    let found = pending.get(caseName);
    if (found === undefined) {
      let resolve!: (hash: string) => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => {}); // rejected for cases nobody asks about; the askers see it
      found = { promise, resolve, reject };
      pending.set(caseName, found);
      if (exited !== undefined) reject(exited);
    }
    return found;
  };
  const child = spawn(process.execPath, [script, manifestPath, ...caseNames], { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<void>((resolve, reject) => {
    let partial = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.trim() !== '')) {
        const read = parseFreshReport(line);
        if ('report' in read) entry(read.report.caseName).resolve(read.report.floatSha256);
        else stderr += `unexpected output line (${read.error}): ${line}\n`;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const settle = (why: Error) => {
      exited = why;
      // Settles only the cases still pending: a promise already resolved ignores the rejection.
      for (const { reject: rejectCase } of pending.values()) rejectCase(why);
    };
    child.on('error', (error) => {
      settle(new Error(`cannot start ${script}: ${error.message}`, { cause: error }));
      reject(exited);
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        settle(new Error(`${script} exited without reporting this case`));
        resolve();
        return;
      }
      const hint = /Cannot find module/.test(stderr) ? ' (build the app first; `pnpm test:golden` does)' : '';
      settle(new Error(`${script} exited with ${signal ?? code}${hint}: ${stderr.trim()}`));
      reject(exited);
    });
  });
  done.catch(() => {}); // also reported through floatSha256()
  return {
    floatSha256: (caseName) => entry(caseName).promise,
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
