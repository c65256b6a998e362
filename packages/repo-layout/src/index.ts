export { BUILD_INFO_FILE, gitState, versionLine } from './code-version.js';
export { denoiseVersion, shippedFilesDir, SHIPPED_PATHS, embeddedClassifierPath, embeddedModelPath, packageDirOf, publishedConfigsPath, repoRoot, repositoryModelOptions, syntheticCatalog } from './repo-layout.js';
