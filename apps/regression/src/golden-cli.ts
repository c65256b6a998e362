#!/usr/bin/env node
/**
 * `pnpm test:golden [--update] [vitest options]`, the repository's own golden check.
 * - without --update: the golden suite under vitest (vitest.golden.config.ts, a thin wrapper over checkGoldens),
 *   so CI prints vitest's summary; any other arguments go to vitest (e.g. `-t ddim-50`).
 * - with --update (or -u): goldenMain (`denoise golden --update`): runs every case, rewrites fixtures/golden/ and
 *   its manifest, prints what changed.
 * `pnpm test:golden` builds the app and its packages first; this file runs from dist/. Outside this repository,
 * where vitest is not installed, `denoise golden` (golden-main.ts) runs the same check without it.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { goldenMain } from './golden-main.js';
import { packageDir, repoRoot } from './repo-paths.js';

const UPDATE_FLAGS: ReadonlySet<string> = new Set(['--update', '-u']);

function main(argv: readonly string[]): Promise<number> {
  // `pnpm test:golden -- --update` passes the `--` through.
  const args = argv.filter((arg) => arg !== '--');
  if (args.some((arg) => UPDATE_FLAGS.has(arg))) return goldenMain(args);
  return runSuite(args);
}

function runSuite(args: readonly string[]): Promise<number> {
  // vitest is the workspace root's devDependency; run its bin with this Node.js.
  const vitestPackage = createRequire(join(repoRoot(), 'package.json')).resolve('vitest/package.json');
  const vitest = join(dirname(vitestPackage), 'vitest.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, 'run', '--config', 'vitest.golden.config.ts', ...args], { cwd: packageDir(), stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`test:golden: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
