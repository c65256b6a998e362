/** The fresh-process run (built dist/src/fresh-run-main.js) reports the same float hash as this process. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInFreshProcess } from '../src/fresh-process.js';
import { readGoldenManifest } from '../src/golden-manifest.js';
import { GoldenRunner } from '../src/golden-run.js';
import { tempGoldens } from './temp-goldens.js';

describe('runInFreshProcess', () => {
  it('reports each case by name with the float sha256 this process computes', async () => {
    const { manifestPath } = await tempGoldens([{ name: 'a', steps: 3, batch: 2 }, { name: 'b', steps: 3, batch: 1, generator: 'torch' }]);
    const fresh = runInFreshProcess(manifestPath);
    const manifest = await readGoldenManifest(manifestPath);
    const runner = new GoldenRunner(manifest.runtime, { manifestPath });
    try {
      for (const goldenCase of manifest.cases) {
        expect(await fresh.floatSha256(goldenCase.name)).toBe((await runner.run(goldenCase)).floatSha256);
      }
      await fresh.done;
      await expect(fresh.floatSha256('c')).rejects.toThrow('exited without reporting this case');
    } finally {
      await runner.dispose();
    }
  });

  it('rejects with the child’s error when it cannot run', async () => {
    const { dir } = await tempGoldens([{ name: 'a' }]);
    const fresh = runInFreshProcess(join(dir, 'no-such-manifest.json'));
    await expect(fresh.floatSha256('a')).rejects.toThrow(/exited with 1: fresh-run-main: cannot read the golden manifest .*no-such-manifest.json \(ENOENT\)/);
    await expect(fresh.done).rejects.toThrow(/exited with 1/);
  });
});
