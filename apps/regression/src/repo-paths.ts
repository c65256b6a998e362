/** Where the regression app finds the repository, its goldens and its failure artifacts. */
import { join } from 'node:path';
import { packageDirOf, repoRoot } from '@denoise/repo-layout';

export { repoRoot };

/** fixtures/golden/manifest.json: the cases, and the provenance of each golden PNG beside it. */
export function defaultManifestPath(): string {
  return join(repoRoot(), 'fixtures', 'golden', 'manifest.json');
}

/** artifacts/golden/: git-ignored; failure strips and the summary table land here. */
export function defaultArtifactsDir(): string {
  return join(repoRoot(), 'artifacts', 'golden');
}

/** The built fresh-process runner (dist/src/fresh-run-main.js), whether this module runs from src/ (vitest) or dist/src/ (node). */
export function freshRunScript(): string {
  return join(packageDir(), 'dist', 'src', 'fresh-run-main.js');
}

/** The command a user runs to (re)make the goldens; every stale or missing golden message names it. */
export const UPDATE_COMMAND = 'pnpm test:golden --update';

/** apps/regression/, where the vitest configs live. */
export function packageDir(): string {
  return packageDirOf(import.meta.url);
}
