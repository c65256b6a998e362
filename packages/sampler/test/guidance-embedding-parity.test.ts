// guidanceScaleEmbedding against diffusers' LatentConsistencyModelPipeline.get_guidance_scale_embedding
// (fixtures/diffusers-sd/lcm-tiny, README "Tolerance"): the `guidance_embedding` cases, and the `timestep_cond` the
// UNet and end-to-end cases were given for their `w`, each within max|Δ| ≤ 1e-6 · max(1, 1000 · max|w|) (the float32
// sine arguments reach 1000·|w|; measured torch vs float64 ≤ 6.3e-8 · 1000|w|).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '@denoise/image';
import { guidanceScaleEmbedding } from '../src/guidance-scale-embedding.js';

const FOLDER = fileURLToPath(new URL('../../../fixtures/diffusers-sd/lcm-tiny/', import.meta.url));

interface Case {
  readonly name: string;
  readonly embedding_dim?: number;
  readonly inputs: Record<string, { readonly file: string; readonly shape: readonly number[] }>;
  readonly outputs: Record<string, { readonly file: string; readonly shape: readonly number[] }>;
}
const { components } = JSON.parse(readFileSync(join(FOLDER, 'cases.json'), 'utf8')) as {
  components: Record<'guidance_embedding' | 'unet' | 'e2e', { cases: Case[] }>;
};

const float32 = async (file: string): Promise<Float32Array> => {
  const array = await readNpy(join(FOLDER, file));
  if (array.dtype !== 'float32') throw new Error(`${file}: ${array.dtype}, expected float32`);
  return array.data;
};

/** Where a case keeps w and its embedding: an input `w` and the output `embedding`, or the input/output `timestep_cond`. */
function roles(c: Case): { w: string; embedding: { file: string; shape: readonly number[] } } | undefined {
  const w = c.inputs['w']?.file;
  const embedding = c.outputs['embedding'] ?? c.inputs['timestep_cond'] ?? c.outputs['timestep_cond'];
  return w !== undefined && embedding !== undefined ? { w, embedding } : undefined;
}

const worst = { ratio: 0, case: '' };
afterAll(() => console.info(`guidance embedding: worst max|Δ| / (1e-6 · max(1, 1000·max|w|)) = ${worst.ratio.toFixed(3)} (${worst.case})`));

describe('guidanceScaleEmbedding matches diffusers within 1e-6 · max(1, 1000 · max|w|)', () => {
  const groups = [
    ['guidance_embedding', components.guidance_embedding.cases, 3],
    ['unet', components.unet.cases.filter((c) => roles(c) !== undefined), 4],
    ['e2e', components.e2e.cases.filter((c) => roles(c) !== undefined), 6],
  ] as const;
  for (const [group, cases, count] of groups) {
    it(`${group}: ${count} cases with w`, () => {
      expect(cases.length).toBe(count);
    });
    for (const c of cases) {
      it(`${group}/${c.name}`, async () => {
        const { w: wFile, embedding } = roles(c)!;
        const w = await float32(wFile);
        const expected = await float32(embedding.file);
        const [rows, dim] = embedding.shape as [number, number];
        expect(rows).toBe(w.length);
        if (c.embedding_dim !== undefined) expect(dim).toBe(c.embedding_dim);
        const got = guidanceScaleEmbedding(w, dim);
        expect(got.length).toBe(expected.length);
        let maxW = 0;
        for (const v of w) maxW = Math.max(maxW, Math.abs(v));
        const bound = 1e-6 * Math.max(1, 1000 * maxW);
        let maxDelta = 0;
        got.forEach((v, i) => (maxDelta = Math.max(maxDelta, Math.abs(v - expected[i]!))));
        if (maxDelta / bound > worst.ratio) Object.assign(worst, { ratio: maxDelta / bound, case: `${group}/${c.name}` });
        expect(maxDelta, `max|Δ| with w up to ${maxW}`).toBeLessThanOrEqual(bound);
      });
    }
  }
});

describe('guidanceScaleEmbedding layout and arguments', () => {
  it('sines first, then cosines, then a zero when dim is odd; w = 0 gives 0s then 1s', () => {
    const zero = guidanceScaleEmbedding([0], 32);
    expect(Array.from(zero)).toEqual([...Array(16).fill(0), ...Array(16).fill(1)]);
    const odd = guidanceScaleEmbedding(Float32Array.of(7, 1.5), 33);
    expect(odd.length).toBe(66);
    expect(odd[32]).toBe(0);
    expect(odd[65]).toBe(0);
    // f_0 = 1, so the first sine and cosine are of w·1000 itself.
    expect(odd[0]).toBeCloseTo(Math.sin(7000), 6);
    expect(odd[16]).toBeCloseTo(Math.cos(7000), 6);
    expect(guidanceScaleEmbedding([], 256).length).toBe(0);
  });

  it('refuses a dim below 4 and a non-finite w, naming the argument', () => {
    for (const dim of [0, 2, 3, 4.5, Number.NaN]) expect(() => guidanceScaleEmbedding([1], dim), String(dim)).toThrow(/dim must be an integer ≥ 4/);
    expect(() => guidanceScaleEmbedding([1, Number.NaN], 32)).toThrow(/w\[1\] must be a finite number/);
  });
});
