import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * The prompts of a text-to-image sweep: image i of every configuration is made from prompts[i mod P], so that image i
 * is the same prompt and the same latents x_T in every configuration, shard and batch.
 */
export interface PromptSet {
  readonly prompts: readonly string[];
  /** sha256 of the prompts joined by '\n': what the sweep's identity records. */
  readonly sha256: string;
  /** Where they came from: the --prompts file, or 'the default prompts'. */
  readonly source: string;
}

/** The prompts when --prompts is not given: a few subjects and styles, each well under CLIP's 77 tokens. */
export const DEFAULT_PROMPTS: readonly string[] = [
  'a photograph of an astronaut riding a horse',
  'a watercolor painting of a lighthouse on a cliff at dawn',
  'a bowl of ramen on a wooden table, studio lighting',
  'a red fox in a snowy forest, highly detailed',
];

/** A prompts file that gives no prompt, or cannot be read (exit 2, naming --prompts and the file). */
export class PromptsFileError extends Error {
  override readonly name = 'PromptsFileError';
}

export function promptSetOf(prompts: readonly string[], source: string): PromptSet {
  return { prompts: [...prompts], sha256: createHash('sha256').update(prompts.join('\n')).digest('hex'), source };
}

export const defaultPromptSet = (): PromptSet => promptSetOf(DEFAULT_PROMPTS, 'the default prompts');

/** One prompt per line, trimmed; blank lines and lines starting with '#' are skipped. */
export function parsePromptLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** `--prompts FILE`: its prompts, or a PromptsFileError when it cannot be read or holds none. */
export async function readPromptsFile(path: string): Promise<PromptSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PromptsFileError(`--prompts ${path}: cannot read it (${(error as Error).message})`, { cause: error });
  }
  const prompts = parsePromptLines(text);
  if (prompts.length === 0) throw new PromptsFileError(`--prompts ${path}: no prompts in it (one per line; blank lines and lines starting with '#' are skipped)`);
  return promptSetOf(prompts, path);
}

/** The prompts of images first … first + count − 1: image i takes prompts[i mod P]. */
export function promptsOfImages(set: Pick<PromptSet, 'prompts'>, first: number, count: number): string[] {
  return Array.from({ length: count }, (_, k) => set.prompts[(first + k) % set.prompts.length]!);
}
