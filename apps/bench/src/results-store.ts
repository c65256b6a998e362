import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@denoise/image';
import { parseBenchResult, upgradeBenchResult, type BenchResult } from './bench-result.js';
import type { BenchRun } from './run-bench.js';
import { renderMarkdown } from './report-markdown.js';
import type { ReportRun } from './report-html.js';

/**
 * One folder per run under `<out>/history/`: result.json, table.md and grids/<configuration>.png. The folder is
 * assembled under a temporary name and renamed into place, so a run is either wholly there or not at all, and
 * an existing run is never overwritten.
 */
export async function saveRun(outDir: string, run: Pick<BenchRun, 'result' | 'grids'>): Promise<string> {
  const history = join(outDir, 'history');
  await mkdir(history, { recursive: true });
  const stamp = run.result.environment.date.replace(/[:.]/g, '-');
  const name = `${stamp}-${run.result.environment.gitCommit.slice(0, 8)}`;
  const staging = join(history, `.tmp-${name}-${process.pid}`);
  await mkdir(join(staging, 'grids'), { recursive: true });
  try {
    await writeFileAtomic(join(staging, 'result.json'), `${JSON.stringify(run.result, null, 2)}\n`);
    await writeFileAtomic(join(staging, 'table.md'), renderMarkdown(run.result));
    for (const [config, png] of run.grids) await writeFileAtomic(join(staging, 'grids', `${config}.png`), png);
    let target = join(history, name);
    for (let i = 2; existsSync(target); i++) target = join(history, `${name}-${i}`);
    await rename(staging, target);
    return join(target, 'result.json');
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Reads a saved result.json (checked against the schema) and the grids stored beside it, if any. */
export async function loadRun(jsonPath: string): Promise<ReportRun> {
  let raw: unknown;
  try {
    raw = upgradeBenchResult(JSON.parse(await readFile(jsonPath, 'utf8')));
  } catch (error) {
    throw new Error(`${jsonPath}: cannot read a bench result (${(error as Error).message})`, { cause: error });
  }
  const parsed: BenchResult = parseBenchResult(raw, jsonPath);
  const grids = new Map<string, Buffer>();
  const gridDir = join(dirname(jsonPath), 'grids');
  if (existsSync(gridDir)) {
    for (const file of await readdir(gridDir)) {
      if (file.endsWith('.png')) grids.set(file.slice(0, -4), await readFile(join(gridDir, file)));
    }
  }
  return { label: `${basename(dirname(jsonPath))}`, result: parsed, grids };
}
