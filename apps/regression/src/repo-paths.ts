/** Where the regression app finds the repository, its goldens and its failure artifacts. */
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in the workspace (apps/regression/{src,dist/src}/). */
export function repoRoot(): string {
  return fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../../' : '../../../', import.meta.url));
}

/** fixtures/golden/manifest.json: the cases, and the provenance of each golden PNG beside it. */
export function defaultManifestPath(): string {
  return fileURLToPath(new URL('fixtures/golden/manifest.json', `file://${repoRoot()}`));
}

/** artifacts/golden/: git-ignored; failure strips and the summary table land here. */
export function defaultArtifactsDir(): string {
  return fileURLToPath(new URL('artifacts/golden/', `file://${repoRoot()}`));
}

/** The built fresh-process runner, wherever this module runs from (vitest runs src/, node runs dist/src/). */
export function freshRunScript(): string {
  return fileURLToPath(new URL(import.meta.url.includes('/dist/') ? './fresh-run-main.js' : '../dist/src/fresh-run-main.js', import.meta.url));
}

/** The command a user runs to (re)make the goldens; every stale or missing golden message names it. */
export const UPDATE_COMMAND = 'pnpm test:golden --update';

/** apps/regression/, where the vitest configs live. */
export function packageDir(): string {
  return fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
}
