export { finiteNumber, integerOption, MAX_THREADS, nonNegativeNumber, pseudoFileSystemOf, threadCount } from './option-parsers.js';
export { endQuietlyWhenStdoutCloses } from './process-output.js';
