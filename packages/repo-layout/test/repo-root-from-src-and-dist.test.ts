// The repository root and the paths under it are the same whether the module runs from src/ (vitest) or from the
// built dist/src/ (node runs the apps from dist): found by looking for pnpm-workspace.yaml, not by folder depth.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as fromSrc from '../src/index.js';

const checkout = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

describe('repo layout', () => {
  it('repoRoot is the checkout, holding pnpm-workspace.yaml', () => {
    expect(fromSrc.repoRoot()).toBe(checkout);
    expect(existsSync(join(fromSrc.repoRoot(), 'pnpm-workspace.yaml'))).toBe(true);
  });

  it('the shipped model, classifier and published configs exist where the paths say', () => {
    expect(existsSync(join(fromSrc.embeddedModelPath(), 'config.json'))).toBe(true);
    expect(existsSync(join(fromSrc.embeddedClassifierPath(), 'model.onnx'))).toBe(true);
    expect(existsSync(join(fromSrc.publishedConfigsPath(), 'ddpm-cifar10-32.config.json'))).toBe(true);
  });

  it('the built module (dist/src, one folder deeper) finds the same root and paths', async () => {
    const built = new URL('../dist/src/index.js', import.meta.url);
    expect(existsSync(built), 'run `pnpm build` first (turbo builds before test)').toBe(true);
    const fromDist = (await import(built.href)) as typeof fromSrc;
    expect(fromDist.repoRoot()).toBe(checkout);
    expect(fromDist.embeddedModelPath()).toBe(fromSrc.embeddedModelPath());
    expect(fromDist.denoiseVersion()).toBe(fromSrc.denoiseVersion());
  });

  it('packageDirOf finds the package of a module in src/, test/ or dist/src/', () => {
    const pkg = join(checkout, 'packages', 'repo-layout');
    expect(fromSrc.packageDirOf(import.meta.url)).toBe(pkg);
    expect(fromSrc.packageDirOf(new URL('../dist/src/repo-layout.js', import.meta.url).href)).toBe(pkg);
  });

  it('denoiseVersion is the root package.json version', () => {
    expect(fromSrc.denoiseVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
