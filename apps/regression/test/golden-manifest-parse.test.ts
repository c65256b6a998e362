import { describe, expect, it } from 'vitest';
import { ConfigError } from '@denoise/schedule';
import { GOLDEN_DEFAULTS, parseGoldenManifest, serializeGoldenManifest } from '../src/golden-manifest.js';
import { BASE_CASE } from './temp-goldens.js';

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

  const bad: [string, unknown, string][] = [
    ['an unknown top-level key', { ...manifest([BASE_CASE]), thresholds: 1 }, 'invalid thresholds'],
    ['a wrong version', manifest([BASE_CASE], { version: 2 }), 'invalid version: got 2'],
    ['no cases', manifest([]), 'invalid cases'],
    ['an unknown case key', manifest([{ ...BASE_CASE, stpes: 10 }]), 'invalid cases[0].stpes'],
    ['steps 0', manifest([{ ...BASE_CASE, steps: 0 }]), 'invalid cases[0].steps: got 0; allowed: an integer ≥ 1'],
    ['a fractional seed', manifest([{ ...BASE_CASE, seed: 1.5 }]), 'invalid cases[0].seed: got 1.5'],
    ['an unknown sampler', manifest([{ ...BASE_CASE, sampler: 'lms' }]), 'invalid cases[0].sampler: got "lms"; allowed: ddpm, ddim, dpm-solver, unipc, euler, euler-a, heun, pndm'],
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
    ['zero threads', manifest([BASE_CASE], { runtime: { threads: 0 } }), 'invalid runtime.threads: got 0'],
    ['a short model sha256', manifest([{ ...BASE_CASE, golden: { modelSha256: 'abc', onnxruntime: '1.30.0', cpu: 'x', threads: 1, floatSha256: SHA } }]), 'invalid cases[0].golden.modelSha256: got "abc"'],
    ['an unknown golden key', manifest([{ ...BASE_CASE, golden: { modelSha256: SHA, onnxruntime: '1', cpu: 'x', threads: 1, floatSha256: SHA, date: 'today' } }]), 'invalid cases[0].golden.date'],
  ];
  it.each(bad)('rejects %s, naming the key and the value', (_what, input, message) => {
    expect(() => parseGoldenManifest(input)).toThrow(ConfigError);
    expect(() => parseGoldenManifest(input)).toThrow(message);
  });
});
