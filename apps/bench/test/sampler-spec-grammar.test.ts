import { describe, expect, it } from 'vitest';
import { formatSamplerSpec, isStochastic, parseSamplerSpec, parseSamplerSpecs } from '../src/sampler-spec.js';

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

  it('rejects malformed names, naming the grammar', () => {
    for (const bad of ['ddim', 'ddim-0', 'euler-50', 'ddim-50-eta', 'ddim-50-spiral', 'ddpm-50-eta0.5', 'ddim--50']) {
      expect(() => parseSamplerSpec(bad)).toThrow(/bad sampler configuration .*(grammar is: ddpm-<steps>|steps must be|η applies)/);
    }
    expect(() => parseSamplerSpecs('ddim-50,ddim-50-eta0')).toThrow(/lists 'ddim-50' twice/);
    expect(() => parseSamplerSpecs(' , ')).toThrow(/--samplers is empty/);
  });

  it('marks DDPM and η > 0 as stochastic', () => {
    expect(parseSamplerSpecs('ddpm-10,ddim-10,ddim-10-eta0.2').map(isStochastic)).toEqual([true, false, true]);
  });
});
