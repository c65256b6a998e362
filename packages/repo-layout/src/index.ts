export { gitState, versionLine } from './code-version.js';
export { denoiseVersion, embeddedClassifierPath, embeddedModelPath, packageDirOf, publishedConfigsPath, repoRoot, repositoryModelOptions, syntheticCatalog } from './repo-layout.js';
