import { describe, expect, it } from 'vitest';
import { ConfigError } from '@denoise/schedule';
import { GOLDEN_DEFAULTS, goldenSource, parseGoldenManifest, serializeGoldenManifest } from '../src/golden-manifest.js';
import { BASE_CASE } from './temp-goldens.js';

const WEBGPU_CASE = { ...BASE_CASE, name: 'ddim-10-seed0-webgpu', executionProvider: 'webgpu', goldenOf: 'ddim-10-seed0' } as const;
const manifest = (cases: readonly object[], extra: object = {}) => ({ version: 1, runtime: { executionProvider: 'cpu', threads: 1 }, cases, ...extra });
const SHA = 'a'.repeat(64);

describe('parseGoldenManifest', () => {
  it('applies the defaults once and round-trips through serializeGoldenManifest', () => {
    const { ssimThreshold: _s, psnrFloorDb: _p, eta: _e, ...bare } = { ...BASE_CASE, ssimThreshold: 0, psnrFloorDb: 0 };
    const parsed = parseGoldenManifest({ version: 1, cases: [bare] });
    expect(parsed.runtime).toEqual({ executionProvider: 'cpu', threads: GOLDEN_DEFAULTS.threads });
    expect(parsed.cases[0]).toMatchObject({ ssimThreshold: 0.99, psnrFloorDb: 30, eta: 0 });
    expect(parseGoldenManifest(JSON.parse(serializeGoldenManifest(parsed)))).toEqual(parsed);
  });

  it('reads a golden block (model sha256, onnxruntime, CPU, threads, float sha256)', () => {
    const golden = { modelSha256: SHA, onnxruntime: '1.30.0', cpu: 'AMD EPYC; linux-x64; avx2 fma', threads: 1, floatSha256: SHA };
    expect(parseGoldenManifest(manifest([{ ...BASE_CASE, golden }])).cases[0]?.golden).toEqual(golden);
  });

  it('reads a webgpu case that borrows a cpu case’s golden, and writes its provider only where it is not the runtime’s', () => {
    const parsed = parseGoldenManifest(manifest([BASE_CASE, WEBGPU_CASE]));
    expect(parsed.cases.map((c) => [c.executionProvider, c.goldenOf])).toEqual([['cpu', undefined], ['webgpu', 'ddim-10-seed0']]);
    expect(goldenSource(parsed.cases[1]!, parsed.cases).name).toBe('ddim-10-seed0');
    expect(goldenSource(parsed.cases[0]!, parsed.cases)).toBe(parsed.cases[0]);
    const json = JSON.parse(serializeGoldenManifest(parsed)) as { cases: Record<string, unknown>[] };
    expect('executionProvider' in json.cases[0]!).toBe(false);
    expect(json.cases[1]).toMatchObject({ executionProvider: 'webgpu', goldenOf: 'ddim-10-seed0' });
    expect(parseGoldenManifest(json)).toEqual(parsed);
    // goldenOf may name a case further down.
    expect(parseGoldenManifest(manifest([WEBGPU_CASE, BASE_CASE])).cases[0]?.goldenOf).toBe('ddim-10-seed0');
  });

  it('reads a DeepCache case and writes its block back (an --update keeps it)', () => {
    const cached = { ...BASE_CASE, name: 'ddim-10-deepcache3', deepCache: { interval: 3, branch: 1, schedule: 'quadratic' } };
    const parsed = parseGoldenManifest(manifest([cached]));
    expect(parsed.cases[0]?.deepCache).toEqual({ interval: 3, branch: 1, schedule: 'quadratic' });
    expect(parseGoldenManifest(JSON.parse(serializeGoldenManifest(parsed)))).toEqual(parsed);
    expect(() => parseGoldenManifest(manifest([{ ...BASE_CASE, deepCache: { interval: 1 } }]))).toThrow(/invalid cases\[0\]\.deepCache\.interval: got 1; allowed: an integer ≥ 2/);
  });

  it('reads a text-to-image case (prompt, negative prompt, guidance scale) and writes it back', () => {
    const prompted = { ...BASE_CASE, name: 'sd1-tiny', model: 'fixtures/diffusers-sd/sd1-tiny', prompt: 'a red bicycle', negativePrompt: 'blurry', guidanceScale: 5 };
    const parsed = parseGoldenManifest(manifest([prompted]));
    expect(parsed.cases[0]).toMatchObject({ prompt: 'a red bicycle', negativePrompt: 'blurry', guidanceScale: 5 });
    expect(parseGoldenManifest(JSON.parse(serializeGoldenManifest(parsed)))).toEqual(parsed);
  });

  const bad: [string, unknown, string][] = [
    ['a negative prompt without a prompt', manifest([{ ...BASE_CASE, negativePrompt: 'blurry' }]), 'invalid cases[0].negativePrompt: got "blurry"; allowed: nothing without a prompt'],
    ['a guidance scale without a prompt', manifest([{ ...BASE_CASE, guidanceScale: 7.5 }]), 'invalid cases[0].guidanceScale: got 7.5; allowed: nothing without a prompt'],
    ['class labels with a prompt', manifest([{ ...BASE_CASE, prompt: 'x', classLabels: [1] }]), 'invalid cases[0].classLabels: got an array of length 1; allowed: nothing with a prompt'],
    ['an unknown top-level key', { ...manifest([BASE_CASE]), thresholds: 1 }, 'invalid thresholds'],
    ['a wrong version', manifest([BASE_CASE], { version: 2 }), 'invalid version: got 2'],
    ['no cases', manifest([]), 'invalid cases'],
    ['an unknown case key', manifest([{ ...BASE_CASE, stpes: 10 }]), 'invalid cases[0].stpes'],
    ['steps 0', manifest([{ ...BASE_CASE, steps: 0 }]), 'invalid cases[0].steps: got 0; allowed: an integer ≥ 1'],
    ['a fractional seed', manifest([{ ...BASE_CASE, seed: 1.5 }]), 'invalid cases[0].seed: got 1.5'],
    ['an unknown sampler', manifest([{ ...BASE_CASE, sampler: 'lms' }]), 'invalid cases[0].sampler: got "lms"; allowed: ddpm, ddim, dpm-solver, unipc, euler, euler-a, heun, pndm, lcm'],
    ['η for a fast sampler', manifest([{ ...BASE_CASE, sampler: 'dpm-solver', eta: 1 }]), 'invalid cases[0].eta: got 1; allowed: 0 (only ddim takes η; dpm-solver takes none)'],
    ['η for DDPM', manifest([{ ...BASE_CASE, sampler: 'ddpm', eta: 0.5 }]), 'invalid cases[0].eta: got 0.5; allowed: 0 (only ddim takes η; ddpm takes none)'],
    ['an unknown spacing', manifest([{ ...BASE_CASE, timestepSpacing: 'even' }]), 'invalid cases[0].timestepSpacing: got "even"'],
    ['an unknown generator', manifest([{ ...BASE_CASE, generator: 'mt' }]), 'invalid cases[0].generator: got "mt"; allowed: torch, philox'],
    ['SSIM threshold above 1', manifest([{ ...BASE_CASE, ssimThreshold: 1.5 }]), 'invalid cases[0].ssimThreshold: got 1.5'],
    ['a negative PSNR floor', manifest([{ ...BASE_CASE, psnrFloorDb: -1 }]), 'invalid cases[0].psnrFloorDb: got -1'],
    ['a bad scheduler override value', manifest([{ ...BASE_CASE, schedulerOverrides: { beta_schedule: 'cosine' } }]), 'invalid cases[0].schedulerOverrides.beta_schedule: got "cosine"'],
    ['spacing among the overrides', manifest([{ ...BASE_CASE, schedulerOverrides: { timestep_spacing: 'trailing' } }]), "invalid cases[0].schedulerOverrides.timestep_spacing: got \"trailing\"; allowed: nothing here: set the case's timestepSpacing"],
    ['a name that cannot name a file', manifest([{ ...BASE_CASE, name: 'DDIM 10' }]), 'invalid cases[0].name: got "DDIM 10"'],
    ['two cases with one name', manifest([BASE_CASE, BASE_CASE]), 'invalid cases[1].name: got "ddim-10-seed0"; allowed: a name no other case has'],
    ['a GPU provider', manifest([BASE_CASE], { runtime: { executionProvider: 'cuda' } }), 'invalid runtime.executionProvider: got "cuda"'],
    ['a webgpu runtime', manifest([BASE_CASE], { runtime: { executionProvider: 'webgpu' } }), 'invalid runtime.executionProvider: got "webgpu"; allowed: \'cpu\' (goldens are CPU images; run a single case on webgpu with its own executionProvider and goldenOf)'],
    ['an unknown case provider', manifest([BASE_CASE, { ...WEBGPU_CASE, executionProvider: 'cuda' }]), "invalid cases[1].executionProvider: got \"cuda\"; allowed: cpu, webgpu (default: the runtime's 'cpu')"],
    ['a case provider that is not a string', manifest([{ ...BASE_CASE, executionProvider: 1 }]), 'invalid cases[0].executionProvider: got 1; allowed: cpu, webgpu'],
    ['a webgpu case without goldenOf', manifest([BASE_CASE, { ...BASE_CASE, name: 'w', executionProvider: 'webgpu' }]), 'invalid cases[1].goldenOf: got undefined; allowed: the name of a cpu case with the same settings, whose golden PNG this webgpu case is compared with'],
    ['goldenOf naming a missing case', manifest([BASE_CASE, { ...WEBGPU_CASE, goldenOf: 'ddim-99-seed0' }]), 'invalid cases[1].goldenOf: got "ddim-99-seed0"; allowed: the name of a cpu case in this manifest (no case has this name); cpu cases: ddim-10-seed0'],
    ['goldenOf naming a webgpu case', manifest([BASE_CASE, WEBGPU_CASE, { ...WEBGPU_CASE, name: 'w2', goldenOf: 'ddim-10-seed0-webgpu' }]), "invalid cases[2].goldenOf: got \"ddim-10-seed0-webgpu\"; allowed: the name of a cpu case in this manifest ('ddim-10-seed0-webgpu' runs on webgpu and has no golden of its own); cpu cases: ddim-10-seed0"],
    ['goldenOf naming itself', manifest([BASE_CASE, { ...WEBGPU_CASE, goldenOf: 'ddim-10-seed0-webgpu' }]), 'invalid cases[1].goldenOf: got "ddim-10-seed0-webgpu"; allowed: the name of a cpu case in this manifest'],
    ['goldenOf on a cpu case', manifest([BASE_CASE, { ...BASE_CASE, name: 'c', goldenOf: 'ddim-10-seed0' }]), 'invalid cases[1].goldenOf: got "ddim-10-seed0"; allowed: nothing on a cpu case'],
    ['goldenOf on a case that says cpu', manifest([BASE_CASE, { ...WEBGPU_CASE, executionProvider: 'cpu' }]), 'invalid cases[1].goldenOf: got "ddim-10-seed0"; allowed: nothing on a cpu case'],
    ['a webgpu case with other settings than its goldenOf', manifest([BASE_CASE, { ...WEBGPU_CASE, steps: 20 }]), "invalid cases[1].steps: got 20; allowed: 10, as in 'ddim-10-seed0' (goldenOf)"],
    ['a webgpu case with another seed than its goldenOf', manifest([BASE_CASE, { ...WEBGPU_CASE, seed: 1 }]), 'invalid cases[1].seed: got 1; allowed: 0, as in'],
    ['a webgpu case with a golden block', manifest([BASE_CASE, { ...WEBGPU_CASE, golden: { modelSha256: SHA, onnxruntime: '1.30.0', cpu: 'x', threads: 1, floatSha256: SHA } }]), "invalid cases[1].golden: got object; allowed: nothing on a webgpu case: it is compared with the golden of 'ddim-10-seed0' and has none of its own"],
    ['zero threads', manifest([BASE_CASE], { runtime: { threads: 0 } }), 'invalid runtime.threads: got 0'],
    ['a short model sha256', manifest([{ ...BASE_CASE, golden: { modelSha256: 'abc', onnxruntime: '1.30.0', cpu: 'x', threads: 1, floatSha256: SHA } }]), 'invalid cases[0].golden.modelSha256: got "abc"'],
    ['an unknown golden key', manifest([{ ...BASE_CASE, golden: { modelSha256: SHA, onnxruntime: '1', cpu: 'x', threads: 1, floatSha256: SHA, date: 'today' } }]), 'invalid cases[0].golden.date'],
  ];
  it.each(bad)('rejects %s, naming the key and the value', (_what, input, message) => {
    expect(() => parseGoldenManifest(input)).toThrow(ConfigError);
    expect(() => parseGoldenManifest(input)).toThrow(message);
  });
});
