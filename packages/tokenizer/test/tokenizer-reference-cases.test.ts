/**
 * Exact token ids against transformers 4.57.6's slow CLIPTokenizer with ftfy 6.3.1 (fixtures/diffusers-sd): the 49
 * prompts of tokenizer-cases/cases.json through SD 1.5's files (pad <|endoftext|>) and SD 2.1-base's (pad "!"),
 * and the input_ids the sd1-tiny and sd2-tiny pipelines and text-encoder cases were run with.
 */
import { readFileSync } from 'node:fs';
import { readNpy } from '@denoise/image';
import { parsePythonJson } from '@denoise/schedule';
import { describe, expect, it } from 'vitest';
import { diffusersSd, referenceTokenizer } from './fixtures.js';

interface TokenizerCase {
  name: string;
  prompt: string;
  input_ids_pad_eos: number[];
  input_ids_pad_bang: number[];
  untruncated_ids: number[];
  num_tokens_untruncated: number;
  truncated: boolean;
}
const cases = (JSON.parse(readFileSync(diffusersSd('tokenizer-cases/cases.json'), 'utf8')) as { cases: TokenizerCase[] }).cases;

/** The rows of an int64 [rows, 77] .npy file as numbers. */
async function idRows(path: string): Promise<number[][]> {
  const array = await readNpy(path);
  if (array.dtype !== 'int64') throw new Error(`${path}: expected int64, got ${array.dtype}`);
  const [rows, columns] = array.shape as [number, number];
  return Array.from({ length: rows }, (_, r) => Array.from(array.data.subarray(r * columns, (r + 1) * columns), Number));
}

describe('tokenizer-cases/cases.json: 49 prompts, ids identical to the slow CLIPTokenizer', () => {
  it('covers 49 prompts, among them truncated ones and ones ftfy rewrites', () => {
    expect(cases).toHaveLength(49);
    expect(cases.filter((c) => c.truncated).length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const sd1 = await referenceTokenizer('sd1-tiny');
    const sd2 = await referenceTokenizer('sd2-tiny');
    expect(sd1.tokenize(c.prompt)).toEqual(c.untruncated_ids);
    const padEos = sd1.encode(c.prompt);
    expect([...padEos.inputIds]).toEqual(c.input_ids_pad_eos);
    expect(padEos.truncated).toBe(c.truncated);
    expect(padEos.untruncatedLength).toBe(c.num_tokens_untruncated);
    const padBang = sd2.encode(c.prompt);
    expect([...padBang.inputIds]).toEqual(c.input_ids_pad_bang);
    expect(padBang.truncated).toBe(c.truncated);
  });
});

describe.each(['sd1-tiny', 'sd2-tiny'] as const)('%s: the ids its pipeline and text-encoder cases were made with', (folder) => {
  const components = (parsePythonJson(readFileSync(diffusersSd(`${folder}/cases.json`), 'utf8')) as { components: Record<string, { cases: any[] }> }).components;

  it.each(components.e2e!.cases.map((c) => [c.name as string, c] as const))('e2e %s: input_ids and negative_input_ids', async (_name, c) => {
    const tokenizer = await referenceTokenizer(folder);
    expect([[...tokenizer.encode(c.call.prompt).inputIds]]).toEqual(await idRows(diffusersSd(`${folder}/${c.outputs.input_ids.file}`)));
    if (c.outputs.negative_input_ids !== undefined) {
      expect([[...tokenizer.encode(c.call.negative_prompt ?? '').inputIds]]).toEqual(await idRows(diffusersSd(`${folder}/${c.outputs.negative_input_ids.file}`)));
    }
  });

  it('text_encoder prompts-4: the [4, 77] input_ids of its four prompts', async () => {
    const tokenizer = await referenceTokenizer(folder);
    const textCase = components.text_encoder!.cases[0];
    const prompts = Object.values(textCase.prompts as Record<string, string>);
    expect(prompts).toHaveLength(4);
    expect(prompts.map((p) => [...tokenizer.encode(p).inputIds])).toEqual(await idRows(diffusersSd(`${folder}/${textCase.inputs.input_ids.file}`)));
  });
});
