// The package's public API is in denoise's own types: no declaration reachable from dist/src/index.d.ts imports
// onnxruntime-node, and a loaded model carries no onnxruntime session (see transformers.js: one module imports
// onnxruntime; everything else sees the project's types).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/index.js';
import { sessionOf } from '../src/model-sessions.js';
import { testModel } from './fixtures.js';

const distIndex = fileURLToPath(new URL('../dist/src/index.d.ts', import.meta.url));

/** Every declaration file reachable from `entry` through relative imports and re-exports, with its module specifiers. */
function reachableDeclarations(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:import|export)[^'";]*?from\s+['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)].map((m) => (m[1] ?? m[2])!);
    seen.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith('.')) pending.push(resolve(dirname(file), s.replace(/\.js$/, '.d.ts')));
  }
  return seen;
}

describe('runtime public API', () => {
  it('no declaration reachable from index.d.ts imports onnxruntime', () => {
    expect(existsSync(distIndex), 'run `pnpm build` first (turbo builds before test)').toBe(true);
    const files = reachableDeclarations(distIndex);
    expect(files.size).toBeGreaterThan(5);
    const leaks = [...files].filter(([, specifiers]) => specifiers.some((s) => s.startsWith('onnxruntime'))).map(([f]) => f.replace(join(dirname(distIndex), '/'), ''));
    expect(leaks).toEqual([]);
  });

  it('a loaded model has no session property; runtime-internal code reaches the session through sessionOf', async () => {
    const model = await loadModel(testModel('closed-form'), { threads: 1 });
    try {
      expect(Object.keys(model)).not.toContain('session');
      expect(sessionOf(model).inputNames).toContain('sample');
    } finally {
      await model.dispose();
    }
  });
});
