// One version: the root package.json's. Every workspace package carries it, the changelog's newest entry names it,
// and --version prints it with the commit.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denoiseVersion, gitState, repoRoot, versionLine } from '../src/index.js';

const versionOf = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;

describe('the version source', () => {
  it('every workspace package has the root version', () => {
    const root = repoRoot();
    const manifests = ['packages', 'apps'].flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name, 'package.json')));
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) expect(versionOf(manifest), manifest).toBe(denoiseVersion());
  });

  it("the changelog's newest entry is this version", () => {
    const heading = /^## (\S+)/m.exec(readFileSync(join(repoRoot(), 'CHANGELOG.md'), 'utf8'));
    expect(heading?.[1]).toBe(denoiseVersion());
  });

  it('--version names the version and the commit of this checkout', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8' }).trim();
    expect(gitState().gitCommit).toBe(head);
    expect(versionLine()).toMatch(new RegExp(`^denoise ${denoiseVersion().replace(/\./g, '\\.')} \\(commit ${head.slice(0, 12)}(, with uncommitted changes)?\\)$`));
  });
});
