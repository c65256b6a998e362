import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/safetensors.js';
import { parseUNet2DConfig } from '../src/unet-config.js';
import { buildUNet2DGraph } from '../src/unet-graph.js';
import { int8Candidates, int8ProbeValues, withActivationProbes } from '../src/int8-candidates.js';
import { quantizeGraph, type ActivationRange } from '../src/qdq-graph.js';
import { readFloatTensor } from '../src/read-float-tensor.js';
import type { GraphBuilder } from '../src/onnx-graph.js';
import type { WeightsFile } from '../src/weights-file.js';

const FMNIST = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));
const count = (graph: GraphBuilder, opType: string) => graph.nodes.filter((n) => n.opType === opType).length;

describe('the int8 QDQ rewrite of the embedded UNet2DModel (fmnist-unet)', () => {
  let weights: WeightsFile;
  let graph: GraphBuilder;
  let ranges: Map<string, ActivationRange>;

  beforeAll(async () => {
    const config = parseUNet2DConfig(JSON.parse(readFileSync(`${FMNIST}/config.json`, 'utf8')), 'config.json');
    weights = await readSafetensors(`${FMNIST}/diffusion_pytorch_model.safetensors`);
    graph = buildUNet2DGraph(config, weights, { fusedAttention: false }).graph;
    ranges = new Map(int8ProbeValues(int8Candidates(graph)).map((v) => [v, { min: -1, max: 3 }]));
  });

  it('quantizes every Conv but conv_in and conv_out, and lists the layers kept float32', () => {
    const plan = int8Candidates(graph);
    expect(count(graph, 'Conv')).toBe(35);
    expect(plan.convs).toHaveLength(33);
    expect(plan.convs.map((c) => c.layer)).not.toContain('conv_in');
    expect(plan.convs.map((c) => c.layer)).not.toContain('conv_out');
    expect(plan.floatLayers).toEqual(expect.arrayContaining(['conv_in', 'conv_out', 'mid_block.attentions.0.to_q', 'time_embedding.linear_1']));
    expect(plan.convs.some((c) => c.layer.includes('attentions'))).toBe(false);
  });

  it('adds a probe output for each quantized Conv input and output', () => {
    const values = int8ProbeValues(int8Candidates(graph));
    const probed = withActivationProbes(graph, values);
    expect(probed.outputs.map((o) => o.name)).toEqual(['out_sample', ...values]);
    expect(probed.nodes).toHaveLength(graph.nodes.length);
  });

  it('wraps each quantized Conv in Q/DQ (activation in and out, int8 weight, int32 bias) and leaves conv_in/conv_out float', async () => {
    const { graph: q, plan } = await quantizeGraph(graph, weights, ranges);
    expect(plan.convs).toHaveLength(33);
    expect(count(q, 'Conv')).toBe(35);
    expect(count(q, 'QuantizeLinear')).toBe(2 * 33);
    expect(count(q, 'DequantizeLinear')).toBe(4 * 33);
    for (const layer of ['conv_in', 'conv_out']) {
      const conv = q.nodes.find((n) => n.opType === 'Conv' && n.inputs[1] === `${layer}.weight`);
      expect(conv, layer).toBeDefined();
    }
    // The float weights of the quantized layers are gone; the int8 ones are inline.
    const names = new Set(q.initializers.map((i) => i.name));
    expect(names.has('down_blocks.0.resnets.0.conv1.weight')).toBe(false);
    expect(q.initializers.find((i) => i.name === 'down_blocks.0.resnets.0.conv1/int8_w')).toMatchObject({ dtype: 'INT8', dims: [32, 32, 3, 3] });
  });

  it('quantizes weights per output channel to within half a step, and activations over a range holding 0', async () => {
    const { graph: q } = await quantizeGraph(graph, weights, new Map([...ranges].map(([v]) => [v, { min: 0.5, max: 2.55 }])));
    const inline = (name: string) => {
      const init = q.initializers.find((i) => i.name === name);
      if (init?.data.kind !== 'inline') throw new Error(`no inline ${name}`);
      return init.data.bytes;
    };
    const layer = 'down_blocks.0.resnets.0.conv1';
    const w = await readFloatTensor(weights, `${layer}.weight`);
    const wq = new Int8Array(inline(`${layer}/int8_w`).slice().buffer);
    const scales = new Float32Array(inline(`${layer}/int8_w_scale`).slice().buffer);
    const perChannel = w.length / scales.length;
    for (let i = 0; i < w.length; i++) expect(Math.abs(wq[i]! * scales[Math.floor(i / perChannel)]! - w[i]!)).toBeLessThanOrEqual(scales[Math.floor(i / perChannel)]! / 2 + 1e-7);
    expect(Math.max(...wq.map(Math.abs))).toBe(127);
    // [0.5, 2.55] widened to [0, 2.55]: scale 0.01, zero point 0.
    expect(new Float32Array(inline(`${layer}/int8_x_scale`).slice().buffer)[0]).toBeCloseTo(0.01, 7);
    expect(inline(`${layer}/int8_x_zero_point`)[0]).toBe(0);
  });

  it('refuses ranges that miss an activation, naming it', async () => {
    const partial = new Map([...ranges].slice(1));
    await expect(quantizeGraph(graph, weights, partial)).rejects.toThrow(`no calibrated range for 1 activations (${[...ranges.keys()][0]!}`);
  });
});
