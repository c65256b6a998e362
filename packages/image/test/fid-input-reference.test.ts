// Each protocol's Inception input against the tools' own tensors (fixtures/fid-inception/inputs.json).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fidInputTensor, readFidImage, type FidProtocol } from '../src/index.js';
import { FID_FIXTURES } from './fixture-paths.js';

interface Digest {
  readonly origin: string;
  readonly shape: number[];
  readonly sha256: string;
  readonly stride: number;
  readonly samples: string[];
}

const DIGESTS = JSON.parse(readFileSync(join(FID_FIXTURES, 'inputs.json'), 'utf8')) as Record<string, Digest>;
const TOOLS: Readonly<Record<string, FidProtocol>> = { 'pytorch-fid': 'pytorch-fid', 'clean-fid': 'clean', 'torch-fidelity': 'torch-fidelity' };
/**
 * pytorch-fid's bilinear resize is matched to within one float32 ulp, not bit for bit: torch's index and
 * weights are reproduced exactly (checked by one-hot inputs), but its arithmetic order for combining the
 * four taps was not identified. 2.4e-7 after `2x − 1` is 4e4 × below the smallest mistake the reference measures.
 */
const TOLERANCE: Readonly<Record<FidProtocol, number>> = { 'pytorch-fid': 2.5e-7, clean: 0, 'torch-fidelity': 0 };

describe('FID input tensors equal the tools’ own', () => {
  for (const [key, digest] of Object.entries(DIGESTS)) {
    const [tool, image] = key.split('.') as [string, string];
    const protocol = TOOLS[tool] as FidProtocol;
    it(`${key} (${digest.origin.split(':')[0] ?? ''})`, async () => {
      const tensor = fidInputTensor(await readFidImage(join(FID_FIXTURES, 'images', `${image}.png`)), { protocol });
      expect(tensor.length).toBe(digest.shape.reduce((a, b) => a * b, 1));
      let maxDiff = 0;
      digest.samples.forEach((value, i) => {
        maxDiff = Math.max(maxDiff, Math.abs((tensor[i * digest.stride] as number) - Number(value)));
      });
      expect(maxDiff).toBeLessThanOrEqual(TOLERANCE[protocol]);
      if (TOLERANCE[protocol] === 0) {
        const sha = createHash('sha256').update(new Uint8Array(tensor.buffer)).digest('hex');
        expect(sha, 'the full tensor differs although the samples match').toBe(digest.sha256);
      }
    });
  }
});
