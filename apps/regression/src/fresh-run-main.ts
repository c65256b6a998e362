/**
 * The fresh-process half of the determinism check: `node dist/src/fresh-run-main.js MANIFEST [CASE…]`
 * runs the named cases (all by default) in a process of its own and prints one JSON line per case,
 * `{"caseName": …, "floatSha256": …}`, for the golden suite to compare with its in-process runs.
 * CPU cases only: the cross-process float-hash check is the CPU's (a webgpu case is checked within one process).
 */
import { formatFreshReport } from './fresh-report.js';
import { readGoldenManifest } from './golden-manifest.js';
import { GoldenRunner } from './golden-run.js';

async function main(argv: readonly string[]): Promise<void> {
  const [manifestPath, ...names] = argv;
  if (manifestPath === undefined) throw new Error('usage: fresh-run-main.js MANIFEST [CASE…]');
  const manifest = await readGoldenManifest(manifestPath);
  const unknown = names.filter((name) => !manifest.cases.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`no such golden case(s) in ${manifestPath}: ${unknown.join(', ')}`);
  const elsewhere = manifest.cases.filter((c) => names.includes(c.name) && c.executionProvider !== 'cpu').map((c) => `${c.name} (${c.executionProvider})`);
  if (elsewhere.length > 0) throw new Error(`the fresh-process check runs cpu cases only; not: ${elsewhere.join(', ')}`);
  const runner = new GoldenRunner(manifest.runtime, { manifestPath });
  try {
    for (const goldenCase of manifest.cases) {
      if (names.length > 0 && !names.includes(goldenCase.name)) continue;
      if (goldenCase.executionProvider !== 'cpu') continue;
      const run = await runner.run(goldenCase);
      process.stdout.write(formatFreshReport({ caseName: run.caseName, floatSha256: run.floatSha256 }));
    }
  } finally {
    await runner.dispose();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`fresh-run-main: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
