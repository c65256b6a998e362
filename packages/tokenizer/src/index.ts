export { ClipTokenizer, type ClipEncoding } from './clip-tokenizer.js';
export { readClipTokenizer } from './read-clip-tokenizer.js';
export { TOKENIZER_FILE_MAX_BYTES, TOKENIZER_FILE_NAMES, type ClipTokenizerFiles } from './tokenizer-files.js';
export { TokenizerFilesError } from './tokenizer-files-error.js';
export { fixText } from './ftfy-fix-text.js';
