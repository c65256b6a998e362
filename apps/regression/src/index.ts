export {
  checkGoldens,
  GoldenCheck,
  type CheckGoldensOptions,
  type GoldenCaseResult,
  type GoldenCheckOutcome,
  type GoldenCheckReport,
  type GoldenCheckSummary,
} from './check-goldens.js';
export {
  checkGoldenCase,
  REPOSITORY_REGENERATE,
  type CaseComparison,
  type CheckGoldenOptions,
  type FailureArtifacts,
  type GoldenVerdict,
  type ImageComparison,
  type RegenerateHint,
} from './golden-check.js';
export { goldenMain } from './golden-main.js';
export { CASE_TEXT_KEYS, GRID_PADDING, goldenPngText, goldenStrip, stripSize, stripTile } from './golden-image.js';
export {
  GOLDEN_DEFAULTS,
  GOLDEN_EXECUTION_PROVIDERS,
  GOLDEN_MANIFEST_VERSION,
  goldenSource,
  parseGoldenManifest,
  readGoldenManifest,
  serializeGoldenManifest,
  type GoldenCase,
  type GoldenExecutionProvider,
  type GoldenManifest,
  type GoldenProvenance,
  type GoldenRuntime,
} from './golden-manifest.js';
export { floatSha256, GoldenRunner, manifestDir, type GoldenRun, type GoldenRunnerOptions } from './golden-run.js';
export { formatGoldenUpdate, updateGoldens, type GoldenChange, type GoldenUpdate, type UpdateGoldensOptions } from './golden-update.js';
export { runInFreshProcess } from './fresh-process.js';
export { decideProvider, decideProviders, EXPECT_WEBGPU_ENV, type ProviderDecision } from './golden-providers.js';
export { formatSummaryTable } from './summary-table.js';
export { defaultArtifactsDir, defaultManifestPath, repoRoot, UPDATE_COMMAND } from './repo-paths.js';
