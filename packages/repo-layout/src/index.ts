export { denoiseVersion, embeddedClassifierPath, embeddedModelPath, packageDirOf, publishedConfigsPath, repoRoot } from './repo-layout.js';
