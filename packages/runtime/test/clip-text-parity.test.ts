import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy } from '@denoise/image';
import { parsePythonJson } from '@denoise/schedule';
import {
  buildClipTextGraph,
  buildComponent,
  CLIP_TEXT_MODEL,
  locateComponentFiles,
  encodeOnnxModel,
  parseClipTextConfig,
  readJsonObject,
  readSafetensors,
  readWeightBytes,
  type BuiltComponent,
  type ClipTextConfig,
  type ClipTextGraphSignature,
  type ClipTextOutputName,
} from '@denoise/diffusers';

/**
 * The text encoders of fixtures/diffusers-sd (see its README), made by transformers 4.57.6's CLIPTextModel and
 * CLIPTextModelWithProjection (eager attention, float32): the graph denoise builds from config.json + weights must
 * give every output of every case within the README's rule, max|Δ| ≤ 2e-5 · max(1, max|ref|), on CPU — also with
 * the fp16 weights file (against the `*_fp16weights` outputs).
 */
const ROOT = fileURLToPath(new URL('../../../fixtures/diffusers-sd/', import.meta.url));
const SHORT_LENGTH = 20;

interface Run {
  readonly label: string;
  readonly folder: string;
  readonly component: 'text_encoder' | 'text_encoder_2';
  readonly variant?: 'fp16';
}

const RUNS: readonly Run[] = [
  { label: 'sd1-tiny', folder: 'sd1-tiny', component: 'text_encoder' },
  { label: 'sd1-tiny (fp16)', folder: 'sd1-tiny', component: 'text_encoder', variant: 'fp16' },
  { label: 'sd2-tiny', folder: 'sd2-tiny', component: 'text_encoder' },
  { label: 'clip-with-projection', folder: 'clip-with-projection', component: 'text_encoder_2' },
  { label: 'sdxl-tiny text_encoder', folder: 'sdxl-tiny', component: 'text_encoder' },
  { label: 'sdxl-tiny text_encoder_2', folder: 'sdxl-tiny', component: 'text_encoder_2' },
];

interface CaseFile {
  readonly components: Record<
    string,
    { readonly cases: readonly { readonly name: string; readonly inputs: { readonly input_ids: { readonly file: string } }; readonly outputs: Record<string, { readonly file: string }> }[] }
  >;
}

/** A reference output: which graph output it is and which [L+1, …] entry, for hidden_states[-2]. */
interface OutputRole {
  readonly output: ClipTextOutputName;
  readonly layer?: 'penultimate';
}

const ROLES: Record<string, OutputRole> = {
  last_hidden_state: { output: 'last_hidden_state' },
  hidden_states_all: { output: 'hidden_states' },
  hidden_states_penultimate: { output: 'hidden_states', layer: 'penultimate' },
  pooler_output: { output: 'pooler_output' },
  text_embeds: { output: 'text_embeds' },
};

/** worst[run][output] = the largest max|Δ| / tolerance seen. */
const worst: Record<string, Record<string, number>> = {};

function check(run: string, output: string, caseName: string, actual: ArrayLike<number>, reference: ArrayLike<number>): void {
  const what = `${output} (${caseName})`;
  expect(actual.length, `${run} ${what}: length`).toBe(reference.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    const diff = Math.abs(actual[i]! - reference[i]!);
    maxDiff = Number.isNaN(diff) ? Infinity : Math.max(maxDiff, diff);
    maxRef = Math.max(maxRef, Math.abs(reference[i]!));
  }
  const tolerance = 2e-5 * Math.max(1, maxRef);
  worst[run] = { ...worst[run], [output]: Math.max(worst[run]?.[output] ?? 0, maxDiff / tolerance) };
  expect(maxDiff, `${run} ${what}: max|Δ| ${maxDiff} > ${tolerance}`).toBeLessThanOrEqual(tolerance);
}

/** Entry `index` of the leading axis of a C-order array of `shape`. */
function entry(data: Float32Array, shape: readonly number[], index: number): Float32Array {
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  return data.subarray(index * size, (index + 1) * size);
}

/** The end-of-text position transformers pools at: the first argmax of the ids (eos_token_id 2), else the first eos. */
function eosPosition(ids: readonly bigint[], eosTokenId: number): number {
  if (eosTokenId !== 2) return Math.max(0, ids.indexOf(BigInt(eosTokenId)));
  return ids.indexOf(ids.reduce((a, b) => (b > a ? b : a)));
}

async function session(built: { readonly bytes: Uint8Array; readonly externalDataFolder?: string }): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(built.bytes, {
    intraOpNumThreads: 1,
    extra: { session: { model_external_initializers_file_folder_path: built.externalDataFolder! } },
  });
}

/** final_layer_norm in float64 over the last axis of `x`, with the checkpoint's own (float32) weight and bias. */
async function finalLayerNorm(built: BuiltComponent<ClipTextConfig, ClipTextGraphSignature>, x: Float32Array): Promise<Float64Array> {
  const file = await readSafetensors(built.files.weightsPath);
  const read = async (name: string) => {
    const bytes = await readWeightBytes(file, file.tensors.get(name)!);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  const gamma = await read('text_model.final_layer_norm.weight');
  const beta = await read('text_model.final_layer_norm.bias');
  const width = gamma.length;
  const out = new Float64Array(x.length);
  for (let row = 0; row < x.length; row += width) {
    let mean = 0;
    for (let i = 0; i < width; i++) mean += x[row + i]!;
    mean /= width;
    let variance = 0;
    for (let i = 0; i < width; i++) variance += (x[row + i]! - mean) ** 2;
    variance /= width;
    const scale = 1 / Math.sqrt(variance + built.config.layerNormEps);
    for (let i = 0; i < width; i++) out[row + i] = (x[row + i]! - mean) * scale * gamma[i]! + beta[i]!;
  }
  return out;
}

describe('CLIP text encoders match transformers within 2e-5 · max(1, max|ref|)', () => {
  it.each(RUNS)('$label', async (run) => {
    const files = await locateComponentFiles(join(ROOT, run.folder, run.component), { component: run.component, stems: 'transformers', ...(run.variant ? { variant: run.variant } : {}) });
    const built = await buildComponent(CLIP_TEXT_MODEL, files);
    expect(built.files.weightsPath).toMatch(run.variant ? /model\.fp16\.safetensors$/ : /model\.safetensors$/);
    const layers = built.signature.layers;
    const model = await session(built);
    try {
      // cases.json is Python's json: its e2e scheduler configs hold a bare -Infinity.
      const { cases } = (parsePythonJson(readFileSync(join(ROOT, run.folder, 'cases.json'), 'utf8')) as CaseFile).components[run.component]!;
      for (const testCase of cases) {
        const ids = await readNpy(join(ROOT, run.folder, testCase.inputs.input_ids.file));
        if (ids.dtype !== 'int64') throw new Error(`${testCase.inputs.input_ids.file}: expected int64 ids, got ${ids.dtype}`);
        const [batch, length] = ids.shape as [number, number];
        const outputs = await model.run({ input_ids: new ort.Tensor('int64', ids.data, [batch, length]) });
        const output = (name: ClipTextOutputName) => outputs[name]!.data as Float32Array;
        const hiddenShape = [layers + 1, batch, length, built.signature.hiddenSize];

        // Each reference role of this run (the fp16 file is compared with the *_fp16weights roles only).
        const roles = Object.entries(testCase.outputs).filter(([role]) => role.endsWith('_fp16weights') === (run.variant === 'fp16'));
        expect(roles.length).toBeGreaterThan(0);
        for (const [role, { file }] of roles) {
          const spec = ROLES[role.replace(/_fp16weights$/, '')];
          if (!spec) throw new Error(`${run.label}: reference role '${role}' maps to no graph output; add it to ROLES`);
          const reference = await readNpy(join(ROOT, run.folder, file));
          const actual = spec.layer === 'penultimate' ? entry(output('hidden_states'), hiddenShape, layers - 1) : output(spec.output);
          check(run.label, role, testCase.name, actual, reference.data as Float32Array);
        }

        if (run.variant) continue;
        const reference = async (role: string) => (await readNpy(join(ROOT, run.folder, testCase.outputs[role]!.file))).data as Float32Array;
        // hidden_states_final_norm: final_layer_norm of each reference hidden state (index L is last_hidden_state).
        const allHidden = await reference('hidden_states_all');
        check(run.label, 'hidden_states_final_norm', testCase.name, output('hidden_states_final_norm'), await finalLayerNorm(built, allHidden));

        // A batch of 1 with S = 20, checked against the reference's first 20 positions of a prompt whose eos falls
        // before 20: the causal mask lets position i see positions ≤ i only and positions 0 … 19 get the same position
        // embeddings, so those positions of every output are the full run's, and the pooled position is the same.
        const rows = Array.from({ length: batch }, (_, r) => Array.from(ids.data.subarray(r * length, (r + 1) * length)));
        const row = rows.findIndex((r) => eosPosition(r, built.config.eosTokenId) < SHORT_LENGTH);
        expect(row, `${run.label}: no prompt of ${testCase.name} ends before position ${SHORT_LENGTH}`).toBeGreaterThanOrEqual(0);
        const short = await model.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(rows[row]!.slice(0, SHORT_LENGTH)), [1, SHORT_LENGTH]) });
        const shortCase = `${testCase.name} row ${row}, S = ${SHORT_LENGTH}`;
        const width = built.signature.hiddenSize;
        const firstPositions = (data: Float32Array) => data.subarray(row * length * width, (row * length + SHORT_LENGTH) * width);
        check(run.label, 'last_hidden_state', shortCase, short['last_hidden_state']!.data as Float32Array, firstPositions(await reference('last_hidden_state')));
        const hiddenPrefix = Array.from({ length: layers + 1 }, (_, l) => [...firstPositions(entry(allHidden, hiddenShape, l))]).flat();
        check(run.label, 'hidden_states_all', shortCase, short['hidden_states']!.data as Float32Array, hiddenPrefix);
        const pooled = built.signature.projectionDim === undefined ? 'pooler_output' : 'text_embeds';
        const pooledWidth = built.signature.projectionDim ?? width;
        check(run.label, pooled, shortCase, short[pooled]!.data as Float32Array, (await reference(pooled)).subarray(row * pooledWidth, (row + 1) * pooledWidth));
      }
    } finally {
      await model.release();
    }
  });

  it('with an eos_token_id other than 2, pools at the first position holding that id (0 where none does)', async () => {
    // sd1-tiny's weights with eos_token_id set to the first prompt's second token: pooler_output must then be the
    // reference last_hidden_state at the first position of that token in each row.
    const dir = join(ROOT, 'sd1-tiny', 'text_encoder');
    const raw = await readJsonObject(join(dir, 'config.json'));
    const ids = await readNpy(join(ROOT, 'sd1-tiny', 'cases', 'text_encoder', 'prompts-4.input_ids.npy'));
    if (ids.dtype !== 'int64') throw new Error('expected int64 ids');
    const [batch, length] = ids.shape as [number, number];
    const eos = Number(ids.data[1]);
    const weights = await readSafetensors(join(dir, 'model.safetensors'));
    const { graph } = buildClipTextGraph(parseClipTextConfig({ ...raw, eos_token_id: eos }), weights);
    const model = await session(await encodeOnnxModel(graph, weights, { storage: 'external', producerVersion: '0' }));
    try {
      const pooled = (await model.run({ input_ids: new ort.Tensor('int64', ids.data, [batch, length]) }))['pooler_output']!.data as Float32Array;
      const last = (await readNpy(join(ROOT, 'sd1-tiny', 'cases', 'text_encoder', 'prompts-4.last_hidden_state.npy'))).data as Float32Array;
      const width = last.length / (batch * length);
      const positions = Array.from({ length: batch }, (_, r) => Math.max(0, Array.from(ids.data.subarray(r * length, (r + 1) * length)).indexOf(BigInt(eos))));
      expect(new Set(positions).size, 'the rows should pool at different positions').toBeGreaterThan(1);
      const expected = positions.flatMap((p, r) => [...last.subarray((r * length + p) * width, (r * length + p + 1) * width)]);
      check('sd1-tiny', 'pooler_output (eos_token_id ≠ 2)', 'prompts-4', pooled, expected);
    } finally {
      await model.release();
    }
  });

  it('reports the worst case of each folder and output as a fraction of the tolerance', () => {
    const lines = Object.entries(worst).flatMap(([run, outputs]) => Object.entries(outputs).map(([output, ratio]) => `${run} ${output}: ${ratio.toFixed(3)}`));
    process.stdout.write(`worst max|Δ| / tolerance per folder and output:\n  ${lines.join('\n  ')}\n`);
    expect(Object.keys(worst)).toEqual(RUNS.map((r) => r.label));
  });
});
