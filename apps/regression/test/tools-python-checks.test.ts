/**
 * The tools' Python (tools/denoise_tools), checked with Debian's /usr/bin/python3 as the tools are run: every
 * file byte-compiles, no file edits sys.path, every module imports as part of the package (modules whose
 * third-party dependency is not installed here are listed, not failed), and the one NumPy ONNX interpreter
 * (denoise_tools.onnx_numpy) gives onnxruntime-node's outputs on committed models. Without /usr/bin/python3 the
 * suite is skipped, saying so; without numpy/onnx, only the interpreter test is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy, type NpyArray } from '@denoise/image';
import { repoRoot } from '@denoise/repo-layout';
import { loadFeatureExtractor, loadModel } from '@denoise/runtime';

const PYTHON = '/usr/bin/python3';
const TOOLS = join(repoRoot(), 'tools');
const hasPython = existsSync(PYTHON);
if (!hasPython) console.warn(`tools-python-checks: skipped: ${PYTHON} is missing (Debian: apt-get install python3 python3-numpy python3-onnx)`);

/** Runs /usr/bin/python3 with tools/ on the path (as the tools' READMEs do), writing no __pycache__ into the tree. */
function python(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, PYTHONPATH: TOOLS, PYTHONDONTWRITEBYTECODE: '1' };
  const run = spawnSync(PYTHON, args, { cwd: repoRoot(), env, encoding: 'utf8', input, timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const pythonFiles = (): string[] =>
  (readdirSync(TOOLS, { recursive: true }) as string[]).filter((f) => f.endsWith('.py') && !f.split('/').includes('__pycache__')).map((f) => join(TOOLS, f));

const numpyOnnx = hasPython ? python(['-c', 'import numpy, onnx']) : undefined;
const hasNumpyOnnx = numpyOnnx?.status === 0;
if (hasPython && !hasNumpyOnnx) console.warn(`tools-python-checks: the onnx_numpy test is skipped: ${PYTHON} lacks numpy or onnx (${numpyOnnx?.stderr.trim().split('\n').at(-1)})`);

describe.skipIf(!hasPython)('tools/ Python, with /usr/bin/python3', () => {
  it('every tools/**/*.py byte-compiles', () => {
    const files = pythonFiles();
    expect(files.length).toBeGreaterThan(20);
    const check = python(
      ['-c', 'import json, sys\nbad = {}\nfor f in json.load(sys.stdin):\n    try:\n        compile(open(f, "rb").read(), f, "exec", dont_inherit=True)\n    except SyntaxError as e:\n        bad[f] = str(e)\nprint(json.dumps(bad))'],
      JSON.stringify(files),
    );
    expect(check.stderr).toBe('');
    expect(JSON.parse(check.stdout)).toEqual({});
  });

  it('no tool edits sys.path: shared code is imported through the denoise_tools package', () => {
    const editing = pythonFiles().filter((f) => /sys\.path\.(insert|append)|sys\.path\s*[+=]/.test(readFileSync(f, 'utf8')));
    expect(editing).toEqual([]);
  });

  it('every module imports as part of denoise_tools (modules needing an uninstalled package are listed)', () => {
    const run = python([
      '-c',
      [
        'import importlib, json, pkgutil',
        'import denoise_tools',
        'report = {"imported": [], "missing": {}, "failed": {}}',
        'for m in pkgutil.walk_packages(denoise_tools.__path__, "denoise_tools."):',
        '    try:',
        '        importlib.import_module(m.name)',
        '        report["imported"].append(m.name)',
        '    except ModuleNotFoundError as e:',
        '        if e.name and not e.name.startswith("denoise_tools"): report["missing"][m.name] = e.name',
        '        else: report["failed"][m.name] = repr(e)',
        '    except Exception as e:',
        '        report["failed"][m.name] = repr(e)',
        'print(json.dumps(report))',
      ].join('\n'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { imported: string[]; missing: Record<string, string>; failed: Record<string, string> };
    if (Object.keys(report.missing).length > 0) {
      console.warn(`tools-python-checks: not importable here for want of a package: ${Object.entries(report.missing).map(([m, dep]) => `${m} (${dep})`).join(', ')}`);
    }
    expect(report.failed).toEqual({});
    expect(report.imported.length + Object.keys(report.missing).length).toBeGreaterThan(20);
  }, 120_000);

  describe.skipIf(!hasNumpyOnnx)('denoise_tools.onnx_numpy against onnxruntime-node', () => {
    const work = mkdtempSync(join(tmpdir(), 'denoise-onnx-numpy-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    /** Runs the interpreter's command on .npy feeds and reads back one output. */
    async function interpret(model: string, feeds: Record<string, NpyArray>, output: string, float64 = false): Promise<NpyArray> {
      const out = join(work, `out-${Object.keys(feeds).join('-')}-${Date.now()}`);
      const args = ['-m', 'denoise_tools.onnx_numpy', model, out];
      for (const [name, array] of Object.entries(feeds)) {
        const path = join(work, `${name}.npy`);
        await writeNpy(path, array);
        args.push(`${name}=${path}`);
      }
      if (float64) args.push('--float64');
      const run = python(args);
      expect(run.status, run.stderr).toBe(0);
      return readNpy(join(out, `${output}.npy`));
    }

    const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
      expect(a.length).toBe(b.length);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      return max;
    };

    // The closed-form test model and the exported fixture UNet (Conv, attention, GroupNorm as InstanceNormalization,
    // nearest Resize): onnxruntime computes in float32 and so does the interpreter; they differ by summation order
    // (1.2e-6 measured for the UNet, 0 for the closed form's elementwise ops).
    it.each([
      ['fixtures/models/test/closed-form', 'model.onnx', 0],
      ['fixtures/models/fmnist-unet-onnx', 'model.onnx', 2e-5],
    ])('%s: the UNet output for a batch of 2 at t = 500', async (folder, file, tolerance) => {
      const model = await loadModel(join(repoRoot(), folder), { threads: 1 });
      try {
        const { channels, height, width, timestepDtype, timestepLayout } = model.signature;
        expect([timestepDtype, timestepLayout]).toEqual(['int64', 'per-item']);
        const shape = [2, channels, height, width];
        const sample = Float32Array.from({ length: 2 * channels * height * width }, (_, i) => Math.sin(i * 0.37) * 1.2);
        const expected = Float32Array.from(await model.denoiser.predict(sample, 500));
        const got = await interpret(
          join(repoRoot(), folder, file),
          { sample: { dtype: 'float32', shape, data: sample }, timestep: { dtype: 'int64', shape: [2], data: BigInt64Array.of(500n, 500n) } },
          model.signature.output,
        );
        expect(got.shape).toEqual([2, model.signature.outputChannels, height, width]);
        expect(maxAbsDiff(got.data as Float32Array, expected)).toBeLessThanOrEqual(tolerance);
      } finally {
        await model.dispose();
      }
    }, 60_000);

    it('fixtures/models/fmnist-classifier: features and logits (the interpreter in float64)', async () => {
      const extractor = await loadFeatureExtractor(join(repoRoot(), 'fixtures/models/fmnist-classifier/model.onnx'), { threads: 1 });
      try {
        const [c, h, w] = extractor.imageShape;
        const images = Float32Array.from({ length: 3 * c * h * w }, (_, i) => (Math.sin(i * 0.11) + 1) / 2);
        const { features, logits } = await extractor.extract(images);
        const model = join(repoRoot(), 'fixtures/models/fmnist-classifier/model.onnx');
        const feeds = { image: { dtype: 'float32', shape: [3, c, h, w], data: images } } as const;
        const gotFeatures = await interpret(model, feeds, 'features', true);
        const gotLogits = await interpret(model, feeds, 'logits', true);
        expect(gotFeatures.dtype).toBe('float64');
        expect(maxAbsDiff(gotFeatures.data as Float64Array, features)).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(gotLogits.data as Float64Array, logits)).toBeLessThanOrEqual(1e-5);
      } finally {
        await extractor.dispose();
      }
    }, 60_000);
  });
});
