/**
 * Fuzz suite (issue 27): seeded mutations of the four files of a pipeline's tokenizer folder (vocab.json, merges.txt,
 * tokenizer_config.json, special_tokens_map.json), read by readClipTokenizer from a scratch folder as loadPipeline
 * reads them. The seeds are the fixtures' files: tokenizer_config.json and special_tokens_map.json of the tiny and the
 * published pipelines (legacy files, added_tokens_decoder, SD 2's "!" padding), with vocab.json and merges.txt cut
 * from SD 1.5's to the byte symbols and the first merges (ids kept) so that a run takes milliseconds, not the 200 ms
 * of the full files; a few runs use the full files. The contract checked: readClipTokenizer returns a tokenizer that
 * encodes prompts, or throws TokenizerFilesError naming the file (and the key or line, unless the whole file is at
 * fault) in a short message. Never another error type, never a hang (each call is timed). Seeds fixed for CI.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byteMutations, expectTypedOutcomeAsync, fuzzAsync, jsonMutations, mutate, mutateJson, timed, type Json } from '@denoise/fuzz';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClipTokenizer } from '../src/clip-tokenizer.js';
import { readClipTokenizer } from '../src/read-clip-tokenizer.js';
import { TokenizerFilesError } from '../src/tokenizer-files-error.js';
import { diffusersSd } from './fixtures.js';

/** The slowest a single read (or the prompts encoded after it) may take before we call it a hang. */
const PER_CALL_MS = 1_000;
const FILES = ['vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json'] as const;
type FileName = (typeof FILES)[number];
/** A folder's files: text, or bytes after a byte edit; absent (undefined) when the file is not there. */
type Folder = { [K in FileName]?: string | Buffer | undefined };

const read = (path: string): string => readFileSync(diffusersSd(path), 'utf8');
const readIfThere = (path: string): string | undefined => (existsSync(diffusersSd(path)) ? read(path) : undefined);

/** SD 1.5's vocabulary and merges cut to the 512 byte symbols, the first MERGES merges (ids 512…) and the special tokens. */
const MERGES = 400;
const fullVocab = read('sd1-tiny/tokenizer/vocab.json');
const fullMerges = read('sd1-tiny/tokenizer/merges.txt');
const smallVocab = JSON.stringify(
  Object.fromEntries(Object.entries(JSON.parse(fullVocab) as Record<string, number>).filter(([, id]) => id < 512 + MERGES || id >= 49406)),
  null,
  2,
);
const smallMerges = `${fullMerges.split('\n').slice(0, MERGES + 1).join('\n')}\n`;

/** The two JSON configs of every tokenizer folder in the fixtures, and a folder that has neither. */
const configs = [
  'sd1-tiny/tokenizer',
  'sd2-tiny/tokenizer',
  'sdxl-tiny/tokenizer_2',
  'published/runwayml--stable-diffusion-v1-5/tokenizer',
  'published/stabilityai--stable-diffusion-2-1-base/tokenizer',
  'published/SimianLuo--LCM_Dreamshaper_v7/tokenizer',
  'published/stabilityai--stable-diffusion-xl-base-1.0/tokenizer',
].map((dir) => ({ dir, tokenizerConfig: readIfThere(`${dir}/tokenizer_config.json`), specialTokensMap: readIfThere(`${dir}/special_tokens_map.json`) }));
configs.push({ dir: 'no configs', tokenizerConfig: undefined, specialTokensMap: undefined });

function seedFolder(config: (typeof configs)[number], vocab: string, merges: string): Folder {
  return { 'vocab.json': vocab, 'merges.txt': merges, 'tokenizer_config.json': config.tokenizerConfig, 'special_tokens_map.json': config.specialTokensMap };
}

// tmpfs where there is one: thousands of small writes, nothing kept.
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'denoise-fuzz-tok-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const folder = join(scratch, 'tokenizer');
mkdirSync(folder);

function writeFolder(files: Folder): void {
  for (const name of FILES) {
    const content = files[name];
    if (content === undefined) rmSync(join(folder, name), { force: true });
    else writeFileSync(join(folder, name), content);
  }
}

/** Words written over a JSON string or literal: special tokens, config values, names of Object.prototype, odd values. */
const WORDS = [
  ...['<|endoftext|>', '<|startoftext|>', '!', '', ' ', '</w>', 'a</w>', 'in', '<|ENDOFTEXT|>', '\ud800', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'],
  ...['content', 'lstrip', 'rstrip', 'single_word', 'added_tokens_decoder', 'additional_special_tokens', 'model_max_length', 'bos_token', 'eos_token'],
  ...['unk_token', 'pad_token', 'mask_token', 'tokenizer_class', 'split_special_tokens', 'padding_side', 'left', 'CLIPTokenizerFast', 'T5Tokenizer'],
].map((w) => JSON.stringify(w));
const VALUES = [
  '0', '1', '2', '77', '4096', '4097', '-1', '1.5', '1e30', '1e999', '49406', '49407', '16777215', '16777216', 'true', 'false', 'null', '[]', '{}',
  '{"content": "<|endoftext|>"}', '{"content": "!", "lstrip": true}', '{"content": ""}', '{"content": {"toString": 1}}', '{"toString": 1}',
  '["<|endoftext|>", "<|endoftext|>"]', '{"49407": {"content": "<|endoftext|>"}, "49408": {"content": "<new>"}}', '{"__proto__": {"content": "x"}}',
  `${'['.repeat(20_000)}1${']'.repeat(20_000)}`, `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
];
/** A JSON string (key or value) or literal (true, false, null, a number). */
const TOKEN = /"(?:[^"\\]|\\.)*"|\btrue\b|\bfalse\b|\bnull\b|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g;

/** Lines written into merges.txt, and the separators written between a merge's two symbols. */
const MERGE_LINES = ['', ' ', '#version: 0.2', 'a b c', 'ab', 'q z', 'i n', 'in g</w>', '\ud800 x', 'toString constructor', '< |', '<|endoftext|> a'];
const SEPARATORS = ['\t', '  ', '\u00a0', '\u3000', '\u001c', '\u0085', '\r', '\u2028', '\ufeff', '\u200b', ''];

const file = fc.constantFrom(...FILES);
const jsonFile = fc.constantFrom<FileName>('vocab.json', 'tokenizer_config.json', 'special_tokens_map.json');
const step = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bytes' as const), file, edits: byteMutations }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('json' as const), file: jsonFile, edits: jsonMutations }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('word' as const), file: jsonFile, target: fc.nat(), word: fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...VALUES)) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('line' as const),
      op: fc.constantFrom('delete', 'duplicate', 'swap', 'insert', 'separator', 'crlf', 'bom'),
      at: fc.nat(),
      to: fc.nat(),
      line: fc.constantFrom(...MERGE_LINES),
      separator: fc.constantFrom(...SEPARATORS),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), file }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const text = (content: string | Buffer | undefined): string | undefined => (Buffer.isBuffer(content) ? content.toString('utf8') : content);

function editLines(merges: string, s: Extract<Step, { kind: 'line' }>): string {
  const lines = merges.split('\n');
  // Most places are near the top, where the header and the first merges are; some anywhere.
  const place = (n: number): number => (n % 4 === 0 ? n % lines.length : n % Math.min(lines.length, 8));
  const at = place(s.at);
  const to = place(s.to);
  switch (s.op) {
    case 'delete':
      lines.splice(at, 1);
      break;
    case 'duplicate':
      lines.splice(to, 0, lines[at]!);
      break;
    case 'swap':
      [lines[at], lines[to]] = [lines[to]!, lines[at]!];
      break;
    case 'insert':
      lines.splice(at, 0, s.line);
      break;
    case 'separator':
      lines[at] = lines[at]!.replace(' ', s.separator);
      break;
    case 'crlf':
      return lines.join('\r\n');
    case 'bom':
      return `\ufeff${merges}`;
  }
  return lines.join('\n');
}

function apply(seed: Folder, steps: readonly Step[]): Folder {
  const files = { ...seed };
  for (const s of steps) {
    if (s.kind === 'line') {
      files['merges.txt'] = editLines(text(files['merges.txt']) ?? '', s);
      continue;
    }
    const current = files[s.file];
    if (s.kind === 'remove') delete files[s.file];
    else if (s.kind === 'bytes') files[s.file] = mutate(Buffer.from(current ?? ''), s.edits);
    else if (current !== undefined) {
      const content = text(current)!;
      if (s.kind === 'json') {
        try {
          files[s.file] = JSON.stringify(mutateJson(JSON.parse(content) as Json, s.edits));
        } catch {
          // An earlier step broke the JSON, or nested it deeper than JSON.stringify goes: nothing to restructure.
        }
      } else {
        const tokens = [...content.matchAll(TOKEN)];
        if (tokens.length === 0) continue;
        const m = tokens[s.target % tokens.length]!;
        files[s.file] = content.slice(0, m.index) + s.word + content.slice(m.index + m[0].length);
      }
    }
  }
  return files;
}

/** Reasons that blame a whole file, so that its error has no key or line. */
const WHOLE_FILE = /^(missing|is not a file|\d+ bytes is over|cannot be read|is not valid UTF-8|not valid JSON|expected a JSON object|expected an object from token to id|the vocabulary is empty)/;

function checkRefusal(error: unknown): boolean {
  if (!(error instanceof TokenizerFilesError)) return false;
  expect(FILES.map((name) => join(folder, name))).toContain(error.file);
  expect(error.message.startsWith(`${error.file}${error.key === undefined ? '' : ` (${error.key})`}: `)).toBe(true);
  if (error.key === undefined) expect(error.reason).toMatch(WHOLE_FILE);
  expect(error.message.length).toBeLessThan(400);
  return true;
}

const PROMPTS = ['a photo of an astronaut riding a horse', '', '<|startoftext|>in<|endoftext|>!!', 'the the the '.repeat(40)];

/** A tokenizer that came back encodes prompts: modelMaxLength ids, bos first, eos after the prompt's ids. */
function checkTokenizer(tokenizer: ClipTokenizer): void {
  timed(() => {
    for (const prompt of PROMPTS) {
      const ids = tokenizer.tokenize(prompt);
      const { inputIds } = tokenizer.encode(prompt);
      expect(inputIds).toHaveLength(tokenizer.modelMaxLength);
      expect(inputIds[0]).toBe(tokenizer.bosTokenId);
      expect(inputIds[Math.min(ids.length, tokenizer.modelMaxLength) - 1]).toBe(tokenizer.eosTokenId);
      for (const id of ids) expect(Number.isInteger(id) && id >= 0).toBe(true);
    }
  }, PER_CALL_MS);
}

describe('fuzz: readClipTokenizer on mutated tokenizer folders returns a tokenizer or throws TokenizerFilesError naming the file', () => {
  it('every seed, unmutated, is read and encodes prompts', async () => {
    for (const config of configs) {
      writeFolder(seedFolder(config, smallVocab, smallMerges));
      checkTokenizer(await readClipTokenizer(folder));
    }
  });

  it('byte edits, structural JSON edits, special tokens and odd values, merges.txt line edits, missing files', async () => {
    await fuzzAsync(
      'tokenizer files',
      fc.asyncProperty(fc.constantFrom(...configs), fc.array(step, { minLength: 1, maxLength: 3 }), async (config, steps) => {
        writeFolder(apply(seedFolder(config, smallVocab, smallMerges), steps));
        await expectTypedOutcomeAsync(() => readClipTokenizer(folder), checkRefusal, PER_CALL_MS, checkTokenizer);
      }),
      { seed: 0x27_0201, numRuns: 1500, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);

  it("SD 1.5's full vocab.json and merges.txt: byte and line edits anywhere in them", async () => {
    const fullStep = step.filter((s) => s.kind === 'line' || (s.kind === 'bytes' && (s.file === 'vocab.json' || s.file === 'merges.txt')));
    await fuzzAsync(
      'full tokenizer files',
      fc.asyncProperty(fc.constantFrom(configs[0]!, configs[1]!), fc.array(fullStep, { minLength: 1, maxLength: 2 }), async (config, steps) => {
        writeFolder(apply(seedFolder(config, fullVocab, fullMerges), steps));
        await expectTypedOutcomeAsync(() => readClipTokenizer(folder), checkRefusal, PER_CALL_MS, checkTokenizer);
      }),
      { seed: 0x27_0202, numRuns: 8, interruptAfterTimeLimit: 2_000 },
    );
  }, 30_000);
});
