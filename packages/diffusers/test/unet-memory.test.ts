import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUNet2DConfig, unetMemoryLowerBound } from '../src/index.js';

const celebahq = parseUNet2DConfig(JSON.parse(readFileSync(new URL('../../../fixtures/diffusers-unet/published/ddpm-celebahq-256.config.json', import.meta.url), 'utf8')));

describe('unetMemoryLowerBound', () => {
  it('google/ddpm-celebahq-256 at 256²: the skip connections (worked by hand) and the 16² attention', () => {
    const bound = unetMemoryLowerBound(celebahq, 256, 256);
    // conv_in 128·256² + per level: 2 resnets × c·hw + the downsampler's c·(hw/4) — 35,291,136 floats in all.
    expect(bound.skipBytes).toBe(4 * 35_291_136);
    // AttnDownBlock2D at level 4 (16×16, one head: attention_head_dim null): scores + softmax, 2 · 256².
    expect(bound.attentionBytes).toBe(4 * 2 * 256 ** 2);
    expect(bound.perImageBytes).toBe(bound.skipBytes + bound.attentionBytes);
  });

  it('the same architecture at 4096²: the attention grows with (h·w)², 32 GiB per image', () => {
    const bound = unetMemoryLowerBound(celebahq, 4096, 4096);
    expect(bound.attentionBytes).toBe(4 * 2 * (256 * 256) ** 2);
    expect(bound.attentionBytes / 2 ** 30).toBe(32);
    expect(bound.skipBytes).toBe(4 * 35_291_136 * 256);
  });
});
