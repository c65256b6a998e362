export { finiteNumber, integerOption, MAX_THREADS, nonNegativeNumber, pseudoFileSystemOf, threadCount } from './option-parsers.js';
