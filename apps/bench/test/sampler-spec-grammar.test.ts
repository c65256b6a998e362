import { describe, expect, it } from 'vitest';
import { formatSamplerSpec, parseSamplerSpec, parseSamplerSpecs, samplerSpecOverrides } from '../src/sampler-spec.js';

describe('sampler configuration grammar', () => {
  it('parses the documented forms and writes them back canonically', () => {
    expect(parseSamplerSpec('ddpm-1000')).toEqual({ kind: 'ddpm', steps: 1000, eta: 0 });
    expect(parseSamplerSpec('ddim-50-eta0.5')).toEqual({ kind: 'ddim', steps: 50, eta: 0.5 });
    expect(parseSamplerSpec('ddim-20-trailing')).toEqual({ kind: 'ddim', steps: 20, eta: 0, spacing: 'trailing' });
    expect(parseSamplerSpec('ddim-20-eta1-linspace')).toEqual({ kind: 'ddim', steps: 20, eta: 1, spacing: 'linspace' });
    for (const name of ['ddpm-1000', 'ddim-50-eta0.5', 'ddim-20-trailing', 'ddim-20-eta1-linspace']) {
      expect(formatSamplerSpec(parseSamplerSpec(name))).toBe(name);
    }
    expect(formatSamplerSpec(parseSamplerSpec('ddim-50-eta0'))).toBe('ddim-50');
  });

  it('takes the fast samplers by their CLI names, with -karras and -sde', () => {
    expect(parseSamplerSpec('dpm-solver-20')).toEqual({ kind: 'dpm-solver', steps: 20, eta: 0 });
    expect(parseSamplerSpec('dpm-solver-10-karras')).toEqual({ kind: 'dpm-solver', steps: 10, eta: 0, karras: true });
    expect(parseSamplerSpec('dpm-solver-20-sde')).toEqual({ kind: 'dpm-solver', steps: 20, eta: 0, sde: true });
    expect(parseSamplerSpec('euler-a-25')).toEqual({ kind: 'euler-a', steps: 25, eta: 0 });
    expect(parseSamplerSpec('euler-25-karras-trailing')).toEqual({ kind: 'euler', steps: 25, eta: 0, karras: true, spacing: 'trailing' });
    expect(parseSamplerSpec('lcm-4')).toEqual({ kind: 'lcm', steps: 4, eta: 0 });
    expect(samplerSpecOverrides(parseSamplerSpec('lcm-4'))).toEqual({});
    for (const name of ['dpm-solver-10-karras-sde', 'unipc-10', 'euler-25', 'euler-a-25', 'heun-10-karras', 'pndm-50-linspace', 'lcm-4']) {
      expect(formatSamplerSpec(parseSamplerSpec(name))).toBe(name);
    }
    expect(samplerSpecOverrides(parseSamplerSpec('dpm-solver-10-karras-sde-trailing'))).toEqual({
      timestep_spacing: 'trailing',
      use_karras_sigmas: true,
      algorithm_type: 'sde-dpmsolver++',
    });
  });

  it('rejects malformed names, naming the grammar', () => {
    for (const bad of ['ddim', 'ddim-0', 'lms-50', 'ddim-50-eta', 'ddim-50-spiral', 'ddpm-50-eta0.5', 'ddim--50', 'euler-20-eta1', 'pndm-20-karras', 'euler-20-sde', 'dpm-solver-20-sde-karras', 'lcm-4-trailing', 'lcm-4-karras', 'lcm-4-eta1']) {
      expect(() => parseSamplerSpec(bad)).toThrow(/bad sampler configuration .*(grammar is: <sampler>-<steps>|steps must be|η applies|-karras applies|-sde applies|lcm takes no spacing)/);
    }
    expect(() => parseSamplerSpecs('ddim-50,ddim-50-eta0')).toThrow(/lists 'ddim-50' twice/);
    expect(() => parseSamplerSpecs(' , ')).toThrow(/--samplers is empty/);
  });

  it('takes the model-side modifiers +deepcache<N>[b<K>] and +int8 after any configuration, without changing its scheduler', () => {
    expect(parseSamplerSpec('ddim-50+deepcache3')).toEqual({ kind: 'ddim', steps: 50, eta: 0, deepcache: { interval: 3, branch: 0 } });
    expect(parseSamplerSpec('dpm-solver-20-karras+deepcache5b2+int8')).toEqual({ kind: 'dpm-solver', steps: 20, eta: 0, karras: true, deepcache: { interval: 5, branch: 2 }, int8: true });
    expect(parseSamplerSpec('ddim-50+int8')).toEqual({ kind: 'ddim', steps: 50, eta: 0, int8: true });
    for (const name of ['ddim-50+deepcache3', 'ddim-50+deepcache5b1', 'ddim-50+int8', 'dpm-solver-20+deepcache3+int8', 'ddim-20-eta0.5-trailing+deepcache2']) {
      expect(formatSamplerSpec(parseSamplerSpec(name))).toBe(name);
    }
    expect(formatSamplerSpec(parseSamplerSpec('ddim-50+deepcache3b0'))).toBe('ddim-50+deepcache3');
    expect(samplerSpecOverrides(parseSamplerSpec('ddim-50-trailing+deepcache3+int8'))).toEqual({ timestep_spacing: 'trailing' });
    expect(() => parseSamplerSpec('ddim-50+deepcache1')).toThrow(/\+deepcache<N> takes N ≥ 2/);
    for (const bad of ['ddim-50+int8+deepcache3', 'ddim-50+deepcache', 'ddim-50+int4', 'ddim-50+deepcache3b']) {
      expect(() => parseSamplerSpec(bad)).toThrow(/bad sampler configuration .*grammar is/);
    }
  });
});
