#!/usr/bin/env node
/**
 * `pnpm test:golden [--update] [vitest options]`.
 * - without --update: the golden suite under vitest (vitest.golden.config.ts), so CI prints vitest's summary;
 *   any other arguments go to vitest (e.g. `-t ddim-50`).
 * - with --update (or -u): runs every case, rewrites fixtures/golden/ and its manifest, prints what changed.
 * `pnpm test:golden` builds the app and its packages first; this file runs from dist/.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { formatGoldenUpdate, updateGoldens } from './golden-update.js';
import { defaultManifestPath, packageDir, repoRoot } from './repo-paths.js';

const UPDATE_FLAGS: ReadonlySet<string> = new Set(['--update', '-u']);

async function main(argv: readonly string[]): Promise<number> {
  // `pnpm test:golden -- --update` passes the `--` through.
  const args = argv.filter((arg) => arg !== '--');
  if (args.some((arg) => UPDATE_FLAGS.has(arg))) {
    const rest = args.filter((arg) => !UPDATE_FLAGS.has(arg));
    if (rest.length > 0) {
      process.stderr.write(`test:golden --update takes no other arguments; got ${rest.join(' ')}\n`);
      return 2;
    }
    return update();
  }
  return runSuite(args);
}

async function update(): Promise<number> {
  const rootDir = repoRoot();
  const manifestPath = defaultManifestPath();
  process.stderr.write(`updating the goldens of ${manifestPath}\n`);
  const result = await updateGoldens({
    manifestPath,
    onCase: (run, index, total) =>
      process.stderr.write(`  [${index + 1}/${total}] ${run.caseName} ${(run.wallMs / 1000).toFixed(1)} s, model ${run.modelSha256.slice(0, 12)}…, onnxruntime ${run.onnxruntime}\n`),
  });
  process.stdout.write(`${formatGoldenUpdate(result, rootDir)}\n`);
  return 0;
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
