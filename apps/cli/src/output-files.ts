import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
import { pseudoFileSystemOf } from '@denoise/cli-options';
import { ProcessLock, processRuns, replacedByRename } from '@denoise/image';

/** An output path that cannot be used (missing parent that cannot be made, not a folder, not writable, /proc, /sys). */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
}


/**
 * The output files of one run: every file is first written under a temporary name in its final folder
 * (`.NAME.RUNID.part`) and renamed into place only by `commit`, once every output of the run is ready.
 * `discard` removes the temporary files and the folders this run created (when they are empty), so a failed
 * or interrupted run leaves nothing behind. Both are synchronous, so a signal handler cannot run in between.
 * Each output (the --out folder, each named file) is claimed for the run with a ProcessLock from the checks to
 * the commit: a second run into the same output is refused at once, naming the first, instead of the two
 * interleaving their renames into a mixed set.
 */
export class OutputStaging {
  /** The pid first, so that a later run can tell a dead run's leftovers (SIGKILL skips every cleanup) from a live one's. */
  private readonly runId = `${process.pid}-${randomBytes(6).toString('hex')}`;
  /** Leftover temporary files of killed runs, removed by prepareDir. */
  readonly removedLeftovers: string[] = [];
  private readonly staged = new Map<string, string>();
  private readonly createdDirs: string[] = [];
  private readonly stale: string[] = [];
  private readonly claims: ProcessLock[] = [];
  private finished = false;

  /**
   * Makes sure `dir` is a writable folder (creating it and its missing parents, as ensureDir) and claims it for this
   * run. Throws OutputPathError naming `option` and the path.
   */
  prepareDir(option: string, dir: string): void {
    this.ensureDir(option, dir);
    this.claim(option, dir, join(dir, '.denoise-run.lock'));
  }

  /**
   * Makes sure `dir` is a writable folder, creating it and its missing parents one level at a time
   * (no recursive mkdir). Throws OutputPathError naming `option` and the path.
   */
  private ensureDir(option: string, dir: string, given: string = dir): void {
    if (dir.trim() === '') throw new OutputPathError(`${option} '${dir}': expected a folder (use . for the current one)`);
    const absolute = resolve(dir);
    refuseSpecial(option, given, absolute);
    const { root } = parse(absolute);
    const parts = absolute.slice(root.length).split(sep).filter((p) => p.length > 0);
    let current = root;
    for (const part of parts) {
      current = join(current, part);
      let isDir: boolean;
      try {
        isDir = statSync(current).isDirectory();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw pathError(option, given, `cannot read ${current}`, error);
        try {
          mkdirSync(current);
        } catch (mkdirError) {
          throw pathError(option, given, `cannot create the folder ${current}`, mkdirError);
        }
        this.createdDirs.push(current);
        continue;
      }
      if (!isDir) throw new OutputPathError(`${option} ${given}: ${current} exists and is not a folder`);
    }
    try {
      accessSync(absolute, constants.W_OK | constants.X_OK);
    } catch (error) {
      throw pathError(option, given, 'the folder is not writable', error);
    }
    this.removedLeftovers.push(...removeDeadRunLeftovers(absolute));
  }

  /**
   * Checks an output file: its folder (prepared as by prepareDir), and that the path is absent or a regular file.
   * The file is written by renaming a temporary one onto it, which would replace a symbolic link (not its target)
   * or a device such as /dev/null (run as root) with a regular file: those are refused.
   */
  prepareFile(option: string, file: string): void {
    if (file.trim() === '' || file.endsWith(sep)) throw new OutputPathError(`${option} '${file}': expected a file name`);
    this.ensureDir(option, dirname(file), file);
    let kind: string | undefined;
    try {
      kind = replacedByRename(file);
    } catch (error) {
      throw pathError(option, file, 'cannot read', error);
    }
    if (kind === 'a symbolic link') kind += ' (the output would replace the link, not its target: give the target’s path)';
    if (kind !== undefined) throw new OutputPathError(`${option} ${file}: is ${kind}; an output is a new path or a regular file`);
    this.claim(option, file, join(dirname(file), `.${basename(file)}.denoise-lock`));
  }

  /** Takes the lock at `lockPath` for `output`, or refuses the run naming the live run that holds it. */
  private claim(option: string, output: string, lockPath: string): void {
    if (this.claims.some((claim) => claim.path === lockPath)) return; // --trace into the --out folder
    let result: ProcessLock | { pid: number; host: string };
    try {
      result = ProcessLock.tryAcquire(lockPath);
    } catch (error) {
      throw pathError(option, output, 'cannot claim it for this run', error);
    }
    if (!(result instanceof ProcessLock)) {
      throw new OutputPathError(`${option} ${output}: another denoise run (pid ${result.pid} on ${result.host}) is writing there; wait for it to end or choose another path`);
    }
    this.claims.push(result);
  }

  private releaseClaims(): void {
    for (const claim of this.claims) claim.release();
    this.claims.length = 0;
  }

  /** The temporary name to write `file` under; `commit` renames it to `file`. */
  stage(file: string): string {
    const temp = join(dirname(file), `.${basename(file)}.${this.runId}.part`);
    this.staged.set(file, temp);
    return temp;
  }

  /** Files to remove at commit time (stale outputs of an earlier run, replaced by this one). */
  removeOnCommit(file: string): void {
    this.stale.push(file);
  }

  /** Renames every staged file into place and removes the stale ones; synchronous. */
  commit(): void {
    for (const [file, temp] of this.staged) renameSync(temp, file);
    this.staged.clear();
    for (const file of this.stale) rmSync(file, { force: true });
    this.releaseClaims();
    this.finished = true;
  }

  /** Removes the temporary files and the folders this run created, if they are empty; synchronous, never throws. */
  discard(): void {
    if (this.finished) return;
    for (const temp of this.staged.values()) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // best effort: the run is failing already
      }
    }
    this.staged.clear();
    this.releaseClaims(); // before the folders: a claimed folder holds its lock file
    for (const dir of [...this.createdDirs].reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty (another process wrote there) or gone: leave it
      }
    }
    this.finished = true;
  }
}

/** The images a run writes into --out: sample-NNN.png and grid.png. */
const RUN_IMAGE_NAME = /^(sample-\d{3,}|grid)\.png$/;

/**
 * Refuses two output files on one path, and an output file on the path of one of the run's images in `out` (the
 * array would silently become the PNG, or the PNG the array). `files` are [option, path] pairs.
 */
export function checkDistinctOutputs(out: string, files: readonly (readonly [string, string])[]): void {
  const seen = new Map<string, string>();
  for (const [option, file] of files) {
    const absolute = resolve(file);
    if (dirname(absolute) === resolve(out) && RUN_IMAGE_NAME.test(basename(absolute))) {
      throw new OutputPathError(`${option} ${file}: the run writes its images there (--out ${out}); choose another name`);
    }
    const other = seen.get(absolute);
    if (other !== undefined) throw new OutputPathError(`${option} ${file}: ${other} names the same file; two outputs cannot share a path`);
    seen.set(absolute, option);
  }
}

/** `.NAME.PID-HEX.part`: a staged output of the run with that pid. */
const STAGED_NAME = /^\..+\.(\d+)-[0-9a-f]{12}\.part$/;

/**
 * Removes staged files (`.NAME.PID-HEX.part`) in `dir` whose run is no longer alive: what a SIGKILLed run (or a
 * crash of the machine) left, since no handler runs then. Files of live runs, and anything else, are left alone.
 * Returns the paths removed; never throws.
 */
export function removeDeadRunLeftovers(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = STAGED_NAME.exec(name);
    if (!match || Number(match[1]) === process.pid || processRuns(Number(match[1]))) continue;
    try {
      rmSync(join(dir, name), { force: true });
      removed.push(join(dir, name));
    } catch {
      // not ours to remove after all (permissions): leave it
    }
  }
  return removed;
}

/** `sample-NNN.png` files in `dir` with an index ≥ `batch`: what an earlier, larger batch left there. */
export function staleSampleFiles(dir: string, batch: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      const match = /^sample-(\d{3,})\.png$/.exec(name);
      return match !== null && Number(match[1]) >= batch;
    })
    .map((name) => join(dir, name));
}

/** No output under /proc or /sys: Node 20's recursive mkdir loops forever on procfs' ENOENT. */
function refuseSpecial(option: string, given: string, absolute: string): void {
  const pseudo = pseudoFileSystemOf(absolute);
  if (pseudo !== undefined) throw new OutputPathError(`${option} ${given}: cannot write under ${pseudo} (a kernel pseudo-file system)`);
}

function pathError(option: string, given: string, what: string, cause: unknown): OutputPathError {
  const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
  return new OutputPathError(`${option} ${given}: ${what} (${code})`, { cause });
}
