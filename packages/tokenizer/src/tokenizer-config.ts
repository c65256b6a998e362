// tokenizer_config.json and special_tokens_map.json, resolved as transformers 4.57's slow tokenizer
// `from_pretrained` resolves them (tokenization_utils_base.py, _from_pretrained):
//   - a tokenizer_config.json with `added_tokens_decoder` (files saved by transformers >= 4.34) is the whole truth:
//     special_tokens_map.json is not read;
//   - otherwise (legacy files) every key of special_tokens_map.json overrides tokenizer_config.json's. This is how
//     SD 2.x's tokenizer pads with "!" although its tokenizer_config.json says <|endoftext|>.
// Every special token, and every token of `added_tokens_decoder`, is an "added token": the prompt is cut at each of
// them before normalization, and each becomes its own id.
import { TokenizerFilesError, quoted } from './tokenizer-files-error.js';
import { MAX_TOKEN_ID } from './vocab-file.js';

/** What the two files decide, with every token resolved to its id. */
export interface ResolvedTokenizerConfig {
  readonly modelMaxLength: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /** The id of a BPE token missing from vocab.json (looked up in vocab.json, as CLIPTokenizer does). */
  readonly unkTokenId: number;
  /** Added token -> id: the strings a prompt is split on. */
  readonly addedTokens: ReadonlyMap<string, number>;
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

/** CLIPTokenizer.__init__'s special tokens, for keys neither file gives. */
const SPECIAL_TOKEN_DEFAULTS: Readonly<Partial<Record<SpecialTokenKey, string>>> = {
  bos_token: '<|startoftext|>',
  eos_token: '<|endoftext|>',
  unk_token: '<|endoftext|>',
  pad_token: '<|endoftext|>',
};

/**
 * model_max_length where tokenizer_config.json has none: CLIP's context length. (transformers would have no limit,
 * and diffusers' padding to it would fail; every published CLIP tokenizer says 77.)
 */
const CLIP_CONTEXT_LENGTH = 77;
/** The bounds of model_max_length: transformers' "no limit" (1e30) would pad every prompt to that length. */
const MODEL_MAX_LENGTH_RANGE = [2, 4096] as const;
/** Keys the two files must agree on, where both give them. pad_token may differ: see the file comment. */
const MUST_AGREE: readonly SpecialTokenKey[] = ['bos_token', 'eos_token', 'unk_token'];

type JsonObject = Readonly<Record<string, unknown>>;

export interface TokenizerConfigInputs {
  readonly vocab: ReadonlyMap<string, number>;
  /** Parsed tokenizer_config.json and its name for messages, when the folder has one. */
  readonly config?: { readonly json: JsonObject; readonly file: string };
  readonly specialTokensMap?: { readonly json: JsonObject; readonly file: string };
}

export function resolveTokenizerConfig({ vocab, config, specialTokensMap }: TokenizerConfigInputs): ResolvedTokenizerConfig {
  const configJson = config?.json ?? {};
  const configFile = config?.file ?? 'tokenizer_config.json';
  checkBehaviourKeys(configJson, configFile);
  const modelMaxLength = readModelMaxLength(configJson, configFile);

  const fromConfig = readSpecialTokens(configJson, configFile);
  const fromMap = specialTokensMap === undefined ? undefined : readSpecialTokens(specialTokensMap.json, specialTokensMap.file);
  for (const key of MUST_AGREE) {
    const a = fromConfig.tokens.get(key);
    const b = fromMap?.tokens.get(key);
    if (a !== undefined && b !== undefined && a !== b) {
      throw new TokenizerFilesError(configFile, key, `${quoted(a)} disagrees with ${specialTokensMap!.file}'s ${quoted(b)}`);
    }
  }

  const modern = Object.hasOwn(configJson, 'added_tokens_decoder');
  const addedTokens = modern ? readAddedTokensDecoder(configJson.added_tokens_decoder, configFile, vocab) : new Map<string, number>();
  // Legacy files: special_tokens_map.json wins, key by key; additional_special_tokens are the union of both lists.
  const tokens = new Map(fromConfig.tokens);
  let additional = fromConfig.additional;
  const fromMapFile = new Set<string>();
  if (!modern && fromMap !== undefined) {
    for (const [key, value] of fromMap.tokens) {
      tokens.set(key, value);
      fromMapFile.add(key);
    }
    additional = [...new Set([...additional, ...fromMap.additional])];
  }
  const where = (key: string): string => (fromMapFile.has(key) ? specialTokensMap!.file : configFile);

  const tokenOf = (key: SpecialTokenKey): string | null => {
    const value = tokens.get(key);
    return value !== undefined ? value : (SPECIAL_TOKEN_DEFAULTS[key] ?? null);
  };
  const idOf = (content: string, key: string): number => {
    const id = addedTokens.get(content) ?? vocab.get(content);
    if (id === undefined) throw new TokenizerFilesError(where(key), key, `${quoted(content)} is neither in vocab.json nor in added_tokens_decoder`);
    addedTokens.set(content, id);
    return id;
  };
  const required = (key: 'bos_token' | 'eos_token' | 'unk_token' | 'pad_token'): number => {
    const content = tokenOf(key);
    if (content === null) throw new TokenizerFilesError(where(key), key, 'is null: a CLIP tokenizer needs one');
    return idOf(content, key);
  };

  const bosTokenId = required('bos_token');
  const eosTokenId = required('eos_token');
  required('unk_token');
  const padTokenId = required('pad_token');
  for (const key of ['sep_token', 'cls_token', 'mask_token'] as const) {
    const content = tokenOf(key);
    if (content !== null) idOf(content, key);
  }
  for (const token of additional) idOf(token, 'additional_special_tokens');

  // CLIPTokenizer looks the unknown token up in vocab.json alone (`self.encoder.get(self.unk_token)`).
  const unkContent = tokenOf('unk_token')!;
  const unkTokenId = vocab.get(unkContent);
  if (unkTokenId === undefined) throw new TokenizerFilesError(where('unk_token'), 'unk_token', `${quoted(unkContent)} is not in vocab.json`);
  return { modelMaxLength, bosTokenId, eosTokenId, padTokenId, unkTokenId, addedTokens };
}

/** One file's special tokens: key -> content (null where the file says null), and additional_special_tokens. */
interface SpecialTokens {
  readonly tokens: ReadonlyMap<SpecialTokenKey, string | null>;
  readonly additional: readonly string[];
}

/** The special-token keys of one file: a string, an AddedToken object, or null; additional_special_tokens a list. */
function readSpecialTokens(json: JsonObject, file: string): SpecialTokens {
  const tokens = new Map<SpecialTokenKey, string | null>();
  for (const key of SPECIAL_TOKEN_KEYS) {
    if (!Object.hasOwn(json, key)) continue;
    const value = json[key];
    tokens.set(key, value === null ? null : readAddedToken(value, file, key));
  }
  const list = json.additional_special_tokens;
  if (list === undefined || list === null) return { tokens, additional: [] };
  if (!Array.isArray(list)) throw new TokenizerFilesError(file, 'additional_special_tokens', `expected a list, got ${quoted(list)}`);
  return { tokens, additional: list.map((item: unknown, i) => readAddedToken(item, file, `additional_special_tokens[${i}]`)) };
}

/**
 * A token given as a string or as transformers' AddedToken object. lstrip, rstrip and single_word change how the
 * text around the token is cut; CLIP's files never set them, and this tokenizer refuses them rather than ignore them.
 */
function readAddedToken(value: unknown, file: string, key: string): string {
  if (typeof value === 'string') {
    if (value.length === 0) throw new TokenizerFilesError(file, key, 'the empty string is not a token');
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenizerFilesError(file, key, `expected a token string or an AddedToken object, got ${quoted(value)}`);
  }
  const object = value as JsonObject;
  if (typeof object.content !== 'string' || object.content.length === 0) {
    throw new TokenizerFilesError(file, `${key}.content`, `expected a non-empty string, got ${quoted(object.content)}`);
  }
  for (const flag of ['lstrip', 'rstrip', 'single_word'] as const) {
    if (object[flag] !== undefined && object[flag] !== false) {
      throw new TokenizerFilesError(file, `${key}.${flag}`, `${quoted(object[flag])} is not supported (only false: the text beside the token is kept as it is)`);
    }
  }
  return object.content;
}

/** `added_tokens_decoder`: {"49406": {"content": "<|startoftext|>", ...}, ...}, ids agreeing with vocab.json. */
function readAddedTokensDecoder(value: unknown, file: string, vocab: ReadonlyMap<string, number>): Map<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenizerFilesError(file, 'added_tokens_decoder', `expected an object from id to token, got ${quoted(value)}`);
  }
  const added = new Map<string, number>();
  for (const [idText, entry] of Object.entries(value)) {
    const key = `added_tokens_decoder.${idText}`;
    // At most 8 digits before Number() reads it, then the limit vocab.json's ids have.
    const id = /^(0|[1-9][0-9]{0,7})$/u.test(idText) ? Number(idText) : -1;
    if (!(id >= 0 && id <= MAX_TOKEN_ID)) throw new TokenizerFilesError(file, key, `the id must be an integer in [0, ${MAX_TOKEN_ID}], got ${quoted(idText)}`);
    const content = readAddedToken(entry, file, key);
    const inVocab = vocab.get(content);
    if (inVocab !== undefined && inVocab !== id) throw new TokenizerFilesError(file, key, `${quoted(content)} has id ${inVocab} in vocab.json`);
    if (added.has(content)) throw new TokenizerFilesError(file, key, `${quoted(content)} is listed twice`);
    added.set(content, id);
  }
  return added;
}

function readModelMaxLength(json: JsonObject, file: string): number {
  if (!Object.hasOwn(json, 'model_max_length')) return CLIP_CONTEXT_LENGTH;
  const value = json.model_max_length;
  const [min, max] = MODEL_MAX_LENGTH_RANGE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TokenizerFilesError(file, 'model_max_length', `expected an integer in [${min}, ${max}], got ${quoted(value)}`);
  }
  return value;
}

/** Keys of tokenizer_config.json that would change the ids in ways this tokenizer does not implement. */
function checkBehaviourKeys(json: JsonObject, file: string): void {
  const tokenizerClass = json.tokenizer_class;
  if (tokenizerClass !== undefined && tokenizerClass !== null && tokenizerClass !== 'CLIPTokenizer' && tokenizerClass !== 'CLIPTokenizerFast') {
    throw new TokenizerFilesError(file, 'tokenizer_class', `${quoted(tokenizerClass)} is not a CLIP tokenizer (CLIPTokenizer, CLIPTokenizerFast)`);
  }
  if (json.split_special_tokens !== undefined && json.split_special_tokens !== false) {
    throw new TokenizerFilesError(file, 'split_special_tokens', `${quoted(json.split_special_tokens)} is not supported (only false)`);
  }
  for (const key of ['padding_side', 'truncation_side'] as const) {
    if (json[key] !== undefined && json[key] !== 'right') throw new TokenizerFilesError(file, key, `${quoted(json[key])} is not supported (only "right")`);
  }
}
